// Live order progress: asks the portal for the steps while they change, and updates the
// list in place (announced politely to screen readers). Without JavaScript the page
// refreshes itself instead.
(function () {
  "use strict";
  var list = document.querySelector("[data-progress]");
  if (!list) return;
  var message = document.getElementById("progress-message");
  var url = list.getAttribute("data-progress");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) {
        if (!progress) return setTimeout(poll, 3000);
        progress.steps.forEach(function (step) {
          var item = list.querySelector('[data-step="' + step.id + '"]');
          if (!item) return;
          item.className = "step " + step.state;
          item.querySelector(".state").textContent = step.state_text;
          item.querySelector(".when").textContent = step.at;
        });
        if (message && message.textContent !== progress.message) message.textContent = progress.message;
        if (!progress.settled) setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();

// Live blocks (the console's dashboard figures, the backups while one is being made): the
// block asks for itself again every 10 seconds and is swapped in place. Without JavaScript a
// link (the dashboard) or the page's own refresh (the backups) shows the news.
(function () {
  "use strict";
  var block = document.querySelector("[data-refresh]");
  if (!block) return;
  var url = block.getAttribute("data-refresh");
  function refresh() {
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) block.innerHTML = html;
        setTimeout(refresh, 10000);
      })
      .catch(function () { setTimeout(refresh, 10000); });
  }
  setTimeout(refresh, 10000);
})();
