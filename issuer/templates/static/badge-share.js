// The badge page's Share area: a "Copy link" button beside the link's text field. Without
// JavaScript the button stays hidden and the field is there to select and copy by hand.
// (A static file: the pages' Content-Security-Policy allows scripts from this origin only.)
(function () {
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById("copy-status");
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        if (status) { status.textContent = button.getAttribute("data-copied") || "Copied"; }
      };
      field.focus();
      field.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand && document.execCommand("copy")) { done(); }
        });
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  });
})();
