// Under `alliance-kg serve --dev`: reload the page when the live reloader has served a new
// build, or a build has failed (its problems then show on every page). A page that says which
// version it was drawn from (the reader's curation panel) is compared with that from the first
// poll on, so a rebuild that finished while it loaded is not missed.
(function () {
  "use strict";
  var panel = document.getElementById("curation");
  var failure = document.querySelector(".build-failure pre");
  var seen = panel ? panel.dataset.version + "|" + (failure ? failure.textContent : "") : null;
  var poll = setInterval(function () {
    fetch("/_dev/version", { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { clearInterval(poll); return null; }
        return response.json();
      })
      .then(function (now) {
        if (!now) return;
        var state = now.version + "|" + (now.error ? now.error.problems : "");
        if (seen !== null && state !== seen) location.reload();
        seen = state;
      })
      .catch(function () { /* the server is restarting: try again at the next tick */ });
  }, 2000);
})();
