// The site's offline query page: pick a catalogue question or write one, send it to the
// endpoint of the same origin (planegraf serve answers at ./sparql), show the rows.
// Everything that reaches the page is inserted as text, never as HTML.
(function () {
  "use strict";
  var catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  var choice = document.getElementById("catalogue-choice");
  var text = document.getElementById("query-text");
  var status = document.getElementById("query-status");
  var result = document.getElementById("query-result");

  catalogue.forEach(function (query) {
    var option = document.createElement("option");
    option.value = query.name;
    option.textContent = query.title;
    choice.appendChild(option);
  });

  function pick(name) {
    var query = catalogue.find(function (q) { return q.name === name; });
    if (query) { text.value = query.text; choice.value = name; }
  }
  choice.addEventListener("change", function () { pick(choice.value); });
  if (location.hash.length > 1) { pick(decodeURIComponent(location.hash.slice(1))); }

  function show(data) {
    result.textContent = "";
    var vars = data.head.vars || [];
    var rows = (data.results && data.results.bindings) || [];
    if (!rows.length) { status.textContent = status.dataset.noRows; return; }
    status.textContent = rows.length + "";
    var table = document.createElement("table");
    var head = table.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th"); th.textContent = v; head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.insertCell().textContent = row[v] ? row[v].value : ""; });
    });
    result.appendChild(table);
  }

  document.getElementById("query-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (location.protocol === "file:") { status.textContent = status.dataset.noEndpoint; return; }
    status.textContent = "…";
    fetch("sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json" },
      body: "query=" + encodeURIComponent(text.value)
    }).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (t) { throw new Error(response.status + " " + t); });
      }
      return response.json();
    }).then(show).catch(function (error) {
      result.textContent = "";
      status.textContent = status.dataset.noEndpoint + " (" + error.message + ")";
    });
  });
}());
