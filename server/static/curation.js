// The reader's curation panel: select words of a sentence (or press its "Add a fact" button)
// to propose a fact, with names suggested by /curation/suggest; save, edit or remove facts
// through POST /curation/facts. Under `serve --dev`, live.js reloads the page after the live
// reloader's rebuild (or its failure, which every page then shows), from the panel's version.
(function () {
  "use strict";
  var panel = document.getElementById("curation");
  if (!panel || !window.fetch) return;
  var form = panel.querySelector("form");
  var status = panel.querySelector(".curation-status");
  var source = panel.dataset.source;
  var author = panel.dataset.author;
  var field = function (id) { return document.getElementById("cur-" + id); };
  var state = { sentence: null, editing: null, declare: null, expects: null };

  // -- autocomplete: a keyboard-usable ARIA listbox per input, as search.js does ----------------

  function combobox(input, params, chosen) {
    var list = document.getElementById(input.id + "-list");
    var items = [], active = -1, pending = null;
    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function mark(index) {
      list.querySelectorAll("[role=option]").forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) input.setAttribute("aria-activedescendant", option.id);
      });
      active = index;
    }
    function pick(hit) {
      input.value = hit.label; input.dataset.name = hit.curie || "<" + hit.iri + ">";
      input.dataset.iri = hit.iri; clearTimeout(pending); close();
      if (chosen) chosen(hit);
      preview();
    }
    function render(results) {
      items = results; list.textContent = "";
      results.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.textContent = hit.label + " ";
        var kind = document.createElement("span");
        kind.className = "kind-name";
        kind.textContent = (hit.curie || "") + " · " + hit.kind;
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(hit); });
        list.appendChild(li);
      });
      list.hidden = !results.length; active = -1;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }
    function search() {
      var q = input.value.trim(), query = Object.assign({ q: q, source: source, limit: 10 }, params());
      if (query.skip) { close(); return; }
      fetch("/curation/suggest?" + new URLSearchParams(query), { headers: authorization() })
        .then(function (response) {
          if (response.status === 401 || response.status === 403) askForToken();
          if (!response.ok) return response.json().then(function (body) { throw new Error(body.error); });
          return response.json();
        })
        .then(function (data) {
          if (input.value.trim() !== q || input.dataset.name) return;  // typed on, or chosen
          if (input === field("object")) expecting(data.expects);
          render(data.results);
        })
        .catch(function (error) { close(); say("Suggestions are not available: " + error.message, true); });
    }
    input.addEventListener("input", function () {
      delete input.dataset.name; delete input.dataset.iri;
      if (pending) clearTimeout(pending);
      pending = setTimeout(search, 120);
      preview();
    });
    input.addEventListener("focus", function () { if (!input.dataset.name) search(); });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); pick(items[active]); }
      else if (event.key === "Escape") { event.stopPropagation(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    return search;
  }

  var iriOf = function (id) { return field(id).dataset.iri || ""; };
  var searchSubject = combobox(field("subject"), function () { return { kind: "individual" }; });
  combobox(field("property"), function () {
    return iriOf("subject") ? { kind: "property", subject: iriOf("subject") } : { kind: "property" };
  }, function () { field("object").value = ""; delete field("object").dataset.name; searchObject(); });
  var searchObject = combobox(field("object"), function () {
    return iriOf("property") ? { property: iriOf("property") } : { kind: "individual" };
  });
  combobox(field("holder"), function () { return { kind: "individual" }; });
  combobox(field("new-type"), function () { return { kind: "class" }; });

  function expecting(expects) {
    state.expects = expects;
    field("object-hint").textContent = expects
      ? "Type a " + expects.label + " (" + expects.curie + "), or a Turtle literal." : "";
  }

  // -- the panel ---------------------------------------------------------------------------------

  function open(sentence, selected, fact) {
    var fresh = state.sentence !== sentence.id || fact;
    if (fresh) {
      form.reset(); status.textContent = ""; state.declare = null; expecting(null);
      ["subject", "property", "object", "holder", "new-type"].forEach(function (id) {
        delete field(id).dataset.name; delete field(id).dataset.iri;
      });
      field("holder").value = author;
    }
    state.sentence = sentence.id; state.editing = fact || null;
    panel.querySelector("[data-field=sentence]").textContent = sentence.id + (fact ? " (editing a fact)" : "");
    panel.querySelector("[data-field=quote]").textContent = selected ? "“" + selected + "”" : "";
    panel.hidden = false;
    if (fact) {
      ["subject", "property", "object"].forEach(function (id, i) {
        field(id).value = fact.labels[i]; field(id).dataset.name = fact.names[i];
        field(id).dataset.iri = fact.names[i].replace(/^<|>$/g, "");
      });
      field("subject").focus();
    } else {
      var target = fresh || !field("subject").value ? field("subject") : field("object");
      if (selected) target.value = selected;
      target.focus();
      if (selected) (target === field("subject") ? searchSubject : searchObject)();
    }
    preview();
  }

  function close() { panel.hidden = true; state.sentence = null; }

  function nameOf(id) {
    var input = field(id);
    return input.dataset.name || input.value.trim();
  }

  function turtleName(id) {
    var name = nameOf(id);
    if (!name) return "…";
    if (/^[a-z-]+:\S+$/.test(name) || /^<.*>$/.test(name) || /^"/.test(name)) return name;
    if (id === "object" && state.expects) return JSON.stringify(name) + "^^" + state.expects.curie;
    return "[ " + JSON.stringify(name) + " ]";
  }

  function slugOf(label) {
    return label.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function preview() {
    var lines = ["s:" + (state.sentence || "…") + " {"];
    var d = state.declare;
    if (d) lines.push("    " + d.kind + ":" + d.slug + " a " + d.type + " ; rdfs:label " + JSON.stringify(d.label) + "@en .");
    lines.push("    " + turtleName("subject") + " " + turtleName("property") + " " + turtleName("object") + " .");
    var kind = field("claim-kind").value;
    if (kind) {
      lines.push("    # a claim: " + kind + ", " + field("claim-factuality").value +
        ", according to " + (nameOf("holder") || author));
    }
    lines.push("}");
    if (state.editing) lines.unshift("# replaces: " + state.editing.names.join(" ") + " .");
    field("preview").textContent = lines.join("\n");
    var label = field("new-label").value.trim();
    field("new-slug").textContent = label ? field("new-kind").value + ":" + slugOf(label) : "";
  }

  function declare(as) {
    var label = field("new-label").value.trim(), type = nameOf("new-type");
    if (!label || !type) { say("Give the new individual a class and a label.", true); return; }
    state.declare = { kind: field("new-kind").value, slug: slugOf(label), type: type, label: label };
    field(as).value = label;
    field(as).dataset.name = state.declare.kind + ":" + state.declare.slug;
    preview();
  }

  function say(text, alert) {
    status.textContent = text;
    status.setAttribute("role", alert ? "alert" : "status");
  }

  function show(answer) {
    status.textContent = "";
    status.setAttribute("role", answer.accepted ? "status" : "alert");
    var heading = document.createElement("p");
    heading.textContent = answer.accepted ? "Saved. " + answer.next : "Not saved: nothing changed.";
    status.appendChild(heading);
    var texts = answer.accepted ? [] : answer.problems.map(function (p) { return p.text; });
    (answer.changes || []).forEach(function (change) {
      if (change.added) texts.push("Added:\n" + change.added);
      if (change.removed) texts.push("Removed:\n" + change.removed);
    });
    if (texts.length) {
      var pre = document.createElement("pre");
      pre.className = answer.accepted ? "curation-added" : "curation-problems";
      pre.textContent = texts.join("\n");
      status.appendChild(pre);
    }
    status.scrollIntoView({ block: "nearest" });
  }

  // On a shared server the API asks for the update token (401 or 403): the panel then asks
  // for it once and keeps it for this tab, sending it as /update expects it.
  var TOKEN_KEY = "alliance-kg-update-token";
  function authorization() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: "Bearer " + token } : {};
  }
  function askForToken() {
    var box = panel.querySelector('[data-field="token-field"]');
    if (box.hidden) { box.hidden = false; document.getElementById("cur-token").focus(); }
  }
  document.getElementById("cur-token").addEventListener("change", function (event) {
    var token = event.target.value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
  });

  function post(body, done) {
    fetch("/curation/facts", {
      method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, authorization()),
      body: JSON.stringify(Object.assign({ source: source }, body)),
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) askForToken();
        return response.json().then(function (answer) {
          if (response.status !== 200 && response.status !== 422) throw new Error(answer.error || response.statusText);
          done(answer);
        });
      })
      .catch(function (error) { say("Not saved: " + error.message, true); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var fact = { subject: nameOf("subject"), property: nameOf("property"), object: nameOf("object") };
    if (field("claim-kind").value) {
      fact.claim = { kind: field("claim-kind").value, factuality: field("claim-factuality").value,
        holder: nameOf("holder") || author };
    }
    var body = { sentence: state.sentence, add: [fact] };
    if (state.editing) body.remove = [state.editing.fact];
    if (state.declare && [fact.subject, fact.object].indexOf(state.declare.kind + ":" + state.declare.slug) >= 0) {
      body.declare = [state.declare];
    }
    say("Saving…");
    post(body, function (answer) { show(answer); if (answer.accepted) location.hash = state.sentence; });
  });

  form.addEventListener("input", preview);
  form.addEventListener("change", preview);
  panel.querySelector("[data-action=close]").addEventListener("click", close);
  panel.querySelector("[data-action=new-subject]").addEventListener("click", function () { declare("subject"); });
  panel.querySelector("[data-action=new-object]").addEventListener("click", function () { declare("object"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) close();
  });

  // -- selections, and the controls on each sentence and fact -----------------------------------

  document.addEventListener("mouseup", function (event) {
    if (panel.contains(event.target)) return;
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    var from = selection.anchorNode && selection.anchorNode.parentElement;
    var to = selection.focusNode && selection.focusNode.parentElement;
    var prose = from && from.closest(".sentence .prose");
    if (!prose || !to || to.closest(".sentence .prose") !== prose) return;
    var text = selection.toString().trim();
    if (text) open(prose.closest(".sentence"), text);
  });

  function button(text, label, action) {
    var control = document.createElement("button");
    control.type = "button"; control.className = "curation-control";
    control.textContent = text; control.setAttribute("aria-label", label);
    control.addEventListener("click", action);
    return control;
  }

  document.querySelectorAll(".reader .sentence").forEach(function (sentence) {
    var details = sentence.querySelector(".facts-of");
    if (!details) return;
    details.appendChild(button("Add a fact", "Add a fact to sentence " + sentence.id, function () {
      open(sentence, "");
    }));
    details.querySelectorAll(".triples li[data-s]").forEach(function (row) {
      var names = [row.dataset.s, row.dataset.p, row.dataset.o];
      var fact = { subject: names[0], property: names[1], object: names[2] };
      var links = row.querySelectorAll("a");  // subject, property, and an IRI object
      var labels = names.map(function (name, i) {
        return name.charAt(0) === '"' || !links[i] ? name : links[i].textContent.trim();
      });
      var said = document.createElement("span");
      said.className = "curation-said"; said.setAttribute("role", "status");
      row.appendChild(button("Edit", "Edit fact: " + row.textContent.trim(), function () {
        open(sentence, "", { fact: fact, names: names, labels: labels });
      }));
      row.appendChild(button("Remove", "Remove fact: " + row.textContent.trim(), function () {
        said.textContent = "Removing…";
        post({ sentence: sentence.id, remove: [fact] }, function (answer) {
          said.textContent = answer.accepted ? "Removed. " + answer.next
            : "Not removed: " + answer.problems.map(function (p) { return p.text; }).join("; ");
          if (answer.accepted) location.hash = sentence.id;
        });
      }));
      row.appendChild(said);
    });
  });
})();
