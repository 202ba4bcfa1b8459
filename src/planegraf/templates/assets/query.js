// The site's query page: pick a catalogue question or write SPARQL, and send it to the
// server of the same origin. A named question shows its parameters as form fields
// (planegraf serve gives the choices at questions/NAME/form) and is answered by
// questions/NAME, which binds them through the engine in the page's language; free SPARQL
// goes to ./sparql. Opened from files, the page runs nothing and says why.
// Everything that reaches the page is inserted as text, never as HTML.
(function () {
  "use strict";
  var catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  var form = document.getElementById("query-form");
  var choice = document.getElementById("catalogue-choice");
  var text = document.getElementById("query-text");
  var params = document.getElementById("question-params");
  var description = document.getElementById("question-description");
  var status = document.getElementById("query-status");
  var result = document.getElementById("query-result");
  var csv = document.getElementById("query-csv");
  var lang = form.dataset.lang || "sv";
  var defaultLang = form.dataset.defaultLang || "sv";
  var DATA = "https://w3id.org/planegraf/id/";
  var served = location.protocol === "http:" || location.protocol === "https:";
  var current = null;  // the chosen catalogue question, while its text is unchanged
  var headings = {};  // the chosen question's column headings in the page's language
  var hidden = [];  // its columns that only echo a parameter
  var YES_NO = lang === "sv" ? ["ja", "nej"] : ["yes", "no"];
  var XSD = "http://www.w3.org/2001/XMLSchema#";

  catalogue.forEach(function (query) {
    var option = document.createElement("option");
    option.value = query.name;
    option.textContent = query.title;
    choice.appendChild(option);
  });

  function say(message, isError) {
    status.textContent = message;
    status.className = isError ? "error" : "";
  }

  function clearFields() {
    Array.prototype.slice.call(params.querySelectorAll("p")).forEach(function (p) {
      params.removeChild(p);
    });
    params.hidden = true;
  }

  function addField(field) {
    var p = document.createElement("p");
    var label = document.createElement("label");
    var id = "param-" + field.name;
    label.htmlFor = id;
    label.textContent = field.label || field.name;
    var input;
    if (field.choices) {
      input = document.createElement("select");
      field.choices.forEach(function (c) {
        var option = document.createElement("option");
        option.value = c.key;
        option.textContent = c.label;
        if (c.key === field.default) { option.selected = true; }
        input.appendChild(option);
      });
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.value = field.default;
    }
    input.id = id;
    input.name = field.name;
    p.appendChild(label);
    p.appendChild(input);
    params.appendChild(p);
  }

  function pick(name) {
    var query = catalogue.find(function (q) { return q.name === name; });
    clearFields();
    csv.hidden = true;
    description.textContent = "";
    current = null;
    headings = {};
    hidden = [];
    if (!query) { return; }
    text.value = query.text;
    choice.value = name;
    current = query;
    if (!served) {
      if (query.parameters && query.parameters.length) { say(status.dataset.needsServer, true); }
      return;
    }
    fetch("questions/" + encodeURIComponent(name) + "/form?lang=" + encodeURIComponent(lang))
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + ""); }
        return response.json();
      }).then(function (data) {
        if (current !== query) { return; }
        description.textContent = data.description;
        headings = data.headings || {};
        hidden = data.hidden || [];
        data.fields.forEach(addField);
        params.hidden = data.fields.length === 0;
      }).catch(function (error) {
        say(status.dataset.noEndpoint + " (" + error.message + ")", true);
      });
  }
  choice.addEventListener("change", function () { pick(choice.value); });
  text.addEventListener("input", function () {
    if (current && text.value !== current.text) {
      current = null;
      headings = {};
      hidden = [];
      clearFields();
      say(status.dataset.edited, false);
    }
  });
  if (location.hash.length > 1) { pick(decodeURIComponent(location.hash.slice(1))); }

  function pageOf(iri) {
    if (iri.indexOf(DATA) !== 0) { return null; }
    var path = "id/" + iri.slice(DATA.length);
    return path + (lang === defaultLang ? ".html" : "." + lang + ".html");
  }

  // A value as people read it: ja/nej (yes/no), a decimal comma in Swedish.
  function readable(value) {
    if (value.datatype === XSD + "boolean") {
      return value.value === "true" || value.value === "1" ? YES_NO[0] : YES_NO[1];
    }
    if (lang === "sv" && [XSD + "decimal", XSD + "double", XSD + "float"]
        .indexOf(value.datatype) >= 0) {
      return value.value.replace(".", ",");
    }
    return value.value;
  }

  function show(data) {
    result.textContent = "";
    var vars = data.head.vars || [];
    var rows = (data.results && data.results.bindings) || [];
    if (!rows.length) { say(status.dataset.noRows, false); return; }
    say(status.dataset.rows.replace("{n}", rows.length), false);
    // A column ?x with a column ?xLabel shows the label, linked to x's page.
    // Columns that only echo a parameter are left out, as on the question pages.
    var shown = vars.filter(function (v) {
      return !(/Label$/.test(v) && vars.indexOf(v.replace(/Label$/, "")) >= 0) &&
        hidden.indexOf(v) < 0;
    });
    var table = document.createElement("table");
    var head = table.createTHead().insertRow();
    shown.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = headings[v] || v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      shown.forEach(function (v) {
        var cell = tr.insertCell();
        var value = row[v];
        if (!value) { return; }
        var label = row[v + "Label"] ? row[v + "Label"].value : null;
        var href = value.type === "uri" ? pageOf(value.value) : null;
        var shownText = label || (href ? value.value.slice(DATA.length) : readable(value));
        if (href) {
          var a = document.createElement("a");
          a.href = href;
          a.textContent = shownText;
          a.title = value.value;
          cell.appendChild(a);
        } else {
          cell.textContent = shownText;
        }
      });
    });
    result.appendChild(table);
  }

  function failed(response) {
    return response.text().then(function (message) {
      var syntax = /^[^\n]*?:(\d+):(\d+): not a SPARQL query: ([\s\S]*)$/.exec(message.trim());
      var error = new Error(message.trim());
      if (response.status === 400 && syntax) {
        error.message = status.dataset.syntaxError + " (" + status.dataset.syntaxPosition
          .replace("{line}", syntax[1]).replace("{column}", syntax[2]) + "): " + syntax[3];
      } else {
        error.message = status.dataset.refused + " (" + response.status + "): " +
          message.trim();
      }
      error.answered = true;
      throw error;
    });
  }

  function questionUrl(format) {
    var fields = [["lang", lang]];
    Array.prototype.slice.call(params.querySelectorAll("select, input")).forEach(function (i) {
      fields.push([i.name, i.value]);
    });
    if (format) { fields.push(["format", format]); }
    return "questions/" + encodeURIComponent(current.name) + "?" + fields.map(function (f) {
      return encodeURIComponent(f[0]) + "=" + encodeURIComponent(f[1]);
    }).join("&");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    csv.hidden = true;
    if (!served) {
      result.textContent = "";
      say(current && current.parameters && current.parameters.length
        ? status.dataset.needsServer : status.dataset.noEndpoint, true);
      return;
    }
    say("…", false);
    var request;
    if (current) {
      request = fetch(questionUrl("json"), { headers: { "Accept": "application/sparql-results+json" } });
    } else {
      request = fetch("sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json" },
        body: "query=" + encodeURIComponent(text.value)
      });
    }
    var question = current;
    request.then(function (response) {
      if (!response.ok) { return failed(response); }
      return response.json();
    }).then(function (data) {
      show(data);
      if (question && question === current) {
        csv.href = questionUrl("csv");
        csv.setAttribute("download", question.name + ".csv");
        csv.hidden = false;
      }
    }).catch(function (error) {
      result.textContent = "";
      say(error.answered ? error.message : status.dataset.noEndpoint + " (" + error.message + ")",
        true);
    });
  });
}());
