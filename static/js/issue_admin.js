// The issue desk: order entries by dragging rows or with the arrows (the position inputs are
// what gets saved, so this only renumbers them), tick all waiting recommendations, and reload
// the assembly panel until the workers are done.
(function () {
  "use strict";

  function entryRows(tbody) {
    return Array.from(tbody.querySelectorAll("tr.has_original"));
  }

  function renumber(tbody) {
    entryRows(tbody).forEach(function (row, index) {
      var input = row.querySelector("td.field-position input");
      if (input) input.value = index + 1;
    });
  }

  function setUpOrdering(table) {
    var tbody = table.querySelector("tbody");
    if (!tbody || !tbody.querySelector("td.field-position input")) return; // published: read-only
    var dragged = null;
    entryRows(tbody).forEach(function (row) {
      var cell = row.querySelector("td.field-position");
      [["↑", -1, "Move up"], ["↓", 1, "Move down"]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "entry-move";
        button.textContent = spec[0];
        button.setAttribute("aria-label", spec[2]);
        button.addEventListener("click", function () {
          var rows = entryRows(tbody);
          var index = rows.indexOf(row);
          var target = rows[index + spec[1]];
          if (!target) return;
          if (spec[1] < 0) tbody.insertBefore(row, target);
          else tbody.insertBefore(target, row);
          renumber(tbody);
          button.focus();
        });
        cell.appendChild(button);
      });
      row.draggable = true;
      row.addEventListener("dragstart", function (event) {
        dragged = row;
        row.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
      });
      row.addEventListener("dragend", function () {
        row.classList.remove("is-dragging");
        entryRows(tbody).forEach(function (r) { r.classList.remove("is-drop-target"); });
        dragged = null;
      });
      row.addEventListener("dragover", function (event) {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        row.classList.add("is-drop-target");
      });
      row.addEventListener("dragleave", function () { row.classList.remove("is-drop-target"); });
      row.addEventListener("drop", function (event) {
        event.preventDefault();
        row.classList.remove("is-drop-target");
        if (!dragged || dragged === row) return;
        var rows = entryRows(tbody);
        if (rows.indexOf(dragged) < rows.indexOf(row)) tbody.insertBefore(dragged, row.nextSibling);
        else tbody.insertBefore(dragged, row);
        renumber(tbody);
      });
    });
  }

  function pollAssembly() {
    var panel = document.getElementById("assembly");
    if (!panel || !panel.dataset.poll) return;
    setTimeout(function () {
      fetch(panel.dataset.poll, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#assembly");
          if (fresh) panel.replaceWith(fresh);
          pollAssembly();
        })
        .catch(function () { pollAssembly(); });
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".issue-entries table").forEach(setUpOrdering);
    document.querySelectorAll("[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        box.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach(function (other) {
          other.checked = box.checked;
        });
      });
    });
    pollAssembly();
  });
})();
