// The verifier's pages, enhanced (each works without this file):
// * the form: choosing or dropping a file submits it;
// * the report: "Check the recipient" hashes the typed address in the browser (WebCrypto
//   SHA-256 of the address and the badge's salt, as OB 3.0 hashed identities are made) and
//   answers at once; without WebCrypto, or for anything else, the form posts as usual.
// (A static file, not inline: the pages' Content-Security-Policy allows scripts from this origin only.)
(function () {
  var drop = document.getElementById("drop"), input = document.getElementById("file"), form = document.getElementById("verify-form");
  if (drop && input && form) {
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
  }

  var check = document.getElementById("recipient-form"), result = document.getElementById("recipient-result");
  if (!check || !result || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var identities;
  try { identities = JSON.parse(check.getAttribute("data-identities") || "[]"); } catch (e) { identities = []; }
  if (!identities.length) { return; }  // nothing the browser can compare: the server answers

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) { out += ("0" + bytes[i].toString(16)).slice(-2); }
    return out;
  }
  function sha256(text) {
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }
  function show(matched, email) {
    var words = check.getAttribute(matched ? "data-match" : "data-nomatch").replace("{email}", email);
    result.className = "recipient-result " + (matched ? "is-match" : "is-nomatch");
    result.setAttribute("data-matched", matched ? "true" : "false");
    result.textContent = "";
    var p = document.createElement("p"), mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = matched ? "✓ " : "✗ ";
    p.appendChild(mark);
    p.appendChild(document.createTextNode(words));
    result.appendChild(p);
  }

  check.addEventListener("submit", function (event) {
    var typed = check.querySelector("[name=email]").value, email = typed.trim();
    if (!email || email.indexOf("@") < 1 || /\s/.test(email)) { return; }  // the server explains what is wrong
    event.preventDefault();
    // as typed, trimmed and lower-cased: the issuer may or may not have normalised the address
    var candidates = [typed, email, email.toLowerCase()].filter(function (c, i, all) { return all.indexOf(c) === i; });
    var pending = [];
    identities.forEach(function (identity) {
      candidates.forEach(function (candidate) {
        pending.push(sha256(candidate + identity.salt).then(function (digest) { return digest === identity.hash; }));
      });
    });
    Promise.all(pending).then(function (answers) {
      show(answers.indexOf(true) !== -1, email);
    }, function () { check.submit(); });
  });
})();
