// The reader: a deep link to a sentence (#p2-s3) also opens the list of its facts.
(function () {
  "use strict";
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var sentence = id && document.getElementById(id);
    if (!sentence || !sentence.classList.contains("sentence")) return;
    var details = sentence.querySelector("details");
    if (details) details.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
