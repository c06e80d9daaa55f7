// The verification page's drop zone: choosing or dropping a file submits the form.
// (A static file, not inline: the pages' Content-Security-Policy allows scripts from this origin only.)
(function () {
  var drop = document.getElementById("drop"), input = document.getElementById("file"), form = document.getElementById("verify-form");
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; form.submit(); }
  });
  input.addEventListener("change", function () { if (input.files.length) { form.submit(); } });
})();
