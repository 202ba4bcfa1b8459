// A question's page of the static site: its form is answered by planegraf serve at
// questions/NAME. Served by planegraf serve (which says so at questions/NAME/form), the
// form is switched on and the note that it only works there is taken away; opened from
// files or from another static host, the page stays as written. Only the page's own
// origin is asked.
(function () {
  "use strict";
  var form = document.querySelector("form.question-form[data-question]");
  if (!form || (location.protocol !== "http:" && location.protocol !== "https:")) { return; }
  var address = form.getAttribute("action") + "/form";
  fetch(address, { method: "HEAD" }).then(function (response) {
    if (!response.ok) { return; }
    form.querySelector("fieldset").disabled = false;
    var note = form.querySelector(".question-note");
    if (note) { note.hidden = true; }
  }).catch(function () { /* no server behind the page: it stays as written */ });
}());
