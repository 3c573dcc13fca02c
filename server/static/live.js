// Under `alliance-kg serve --dev`: reload the page when the live reloader has served a new
// build, or a build has failed (its problems then show on every page). The reader's curation
// panel runs its own poll, which knows the version the page was drawn from.
(function () {
  "use strict";
  if (document.getElementById("curation")) return;
  var seen = null;
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
