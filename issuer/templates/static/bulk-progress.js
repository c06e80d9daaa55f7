// A bulk award's progress page: with JavaScript, poll the job's JSON (the page's data-job-url)
// and move the bar and its figures in place, then reload once for the outcome in words. Without
// it, the page's <noscript> meta refresh does the same every 2 seconds. (A static file: the
// pages' Content-Security-Policy allows scripts from this origin only.)
(function () {
  var box = document.querySelector("[data-job-url][data-poll]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-job-url");
  var failures = 0;
  function put(name, value) {
    var el = box.querySelector('[data-job="' + name + '"]');
    if (el) { el.textContent = String(value); }
  }
  function show(job) {
    var total = job.total || 0;
    var bar = box.querySelector('[data-job="bar"]');
    if (bar) { bar.max = total || 1; bar.value = total ? job.processed : 1; }
    put("processed", job.processed);
    put("total", total);
    put("percent", total ? Math.floor(job.processed * 100 / total) : 100);
    put("issued", job.issued);
    put("held", Math.max(0, job.processed - job.issued));
    var chip = box.querySelector('template[data-job-chip="' + job.status + '"]');
    var status = box.querySelector('[data-job="status"]');
    if (chip && status) {  // "Waiting to start" becomes "Running", in the page's own words
      status.innerHTML = chip.innerHTML;
      chip.parentNode.removeChild(chip);
    }
  }
  function tick() {
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        show(job);
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();  // the outcome in words is the server's page
          return;
        }
        window.setTimeout(tick, 600);
      })
      .catch(function () {
        failures += 1;  // the server is busy or away for a moment: try again, more slowly
        window.setTimeout(tick, Math.min(10000, 1000 * failures));
      });
  }
  window.setTimeout(tick, 300);
})();
