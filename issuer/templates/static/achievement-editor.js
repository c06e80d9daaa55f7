// The achievement editor: with JavaScript, choosing a criterion's required level marks that
// level's cell at once (without it, the mark follows on the next round trip: every add, remove or
// save re-renders the form). No inline script: the Content-Security-Policy allows this origin only.
(function () {
  "use strict";
  var rows = document.querySelectorAll(".criterion-row");
  Array.prototype.forEach.call(rows, function (row) {
    var select = row.querySelector("select[id$='-required']");
    if (!select) {
      return;
    }
    var marker = row.querySelector(".rubric-cell .marker");
    var words = marker ? marker.textContent : "";
    select.addEventListener("change", function () {
      var cells = row.querySelectorAll(".rubric-cell");
      Array.prototype.forEach.call(cells, function (cell, index) {
        var on = String(index + 1) === select.value;
        cell.classList.toggle("is-required", on);
        var mark = cell.querySelector(".marker");
        if (mark && !on) {
          mark.remove();
        } else if (on && !mark && words) {
          var label = cell.querySelector("label");
          var fresh = document.createElement("span");
          fresh.className = "marker";
          fresh.textContent = words;
          label.appendChild(document.createTextNode(" "));
          label.appendChild(fresh);
        }
      });
    });
  });
})();
