// "Submit evidence": with JavaScript, choosing another badge shows its rubric and its
// self-assessment at once, without reloading the page (what the student has typed stays).
// Without it, the "Show rubric" button does the same with a plain GET. No inline script: the
// pages' Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";
  var chooser = document.getElementById("choose-badge");
  var select = document.getElementById("achievement");
  var chosen = document.getElementById("chosen-achievement");
  if (!chooser || !select || !chosen || !window.fetch || !window.DOMParser) {
    return;
  }
  document.documentElement.classList.add("js");

  function swap(fresh, id) {
    var now = document.getElementById(id);
    var next = fresh.getElementById(id);
    if (now && next) {
      now.replaceWith(document.importNode(next, true));
    }
  }

  select.addEventListener("change", function () {
    var url = chooser.getAttribute("action") + "?achievement=" + encodeURIComponent(select.value);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        swap(fresh, "rubric-panel");
        swap(fresh, "self-panel");
        chosen.value = select.value;
        window.history.replaceState(null, "", url);
      })
      .catch(function () {
        window.location.assign(url);  // the page without the enhancement
      });
  });
}());
