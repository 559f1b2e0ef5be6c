// The charter page's "What crew see": refresh it while staff type the crew notes.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var field = document.getElementById("id_crew_notes");
    var marked = document.getElementById("jada-crew-notes");
    var result = document.getElementById("jada-crew-notes-result");
    var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!field || !marked || !result || !csrf) return;
    var url = window.location.pathname.replace(/\/\d+\/change\/$/, "/crew-preview/");
    var timer = null;
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var body = new URLSearchParams({ text: field.value });
        fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf.value }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return;
            marked.innerHTML = data.marked_html || "—";
            result.textContent = data.crew_text || "—";
          });
      }, 250);
    });
  });
})();
