// Rapport web forms: the optional script of an embedded form. It adds
// what a plain form cannot know: a fresh signed token (so that the time
// taken to fill the form counts), the proof of work the form asks for,
// the page's campaign tags and where the visitor came from. Without it
// the form still posts.
(function () {
  "use strict";
  var me = document.currentScript;
  var base = me ? new URL(me.src).origin : "";
  function field(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    if (value !== undefined) {
      input.value = value;
    }
    return input;
  }
  function zeros(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        n += 8;
        continue;
      }
      return n + Math.clz32(bytes[i]) - 24;
    }
    return n;
  }
  async function prove(token, bits) {
    var enc = new TextEncoder();
    for (var i = 0; ; i++) {
      var sum = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(token + ":" + i)));
      if (zeros(sum) >= bits) {
        return String(i);
      }
    }
  }
  var query = new URLSearchParams(location.search);
  document.querySelectorAll("form[data-rapport-form]").forEach(function (form) {
    var id = form.getAttribute("data-rapport-form");
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (name) {
      if (query.get(name)) {
        field(form, name, query.get(name));
      }
    });
    if (document.referrer && !field(form, "_referrer").value) {
      field(form, "_referrer", document.referrer);
    }
    var ready = Promise.resolve();
    var tokenInput = form.querySelector('input[name="_t"]');
    var got = tokenInput && tokenInput.value
      ? Promise.resolve({ token: tokenInput.value, proof_of_work: -1 })
      : fetch(base + "/f/" + encodeURIComponent(id) + "/token").then(function (r) { return r.json(); });
    ready = got.then(function (t) {
      field(form, "_t", t.token);
      if (t.proof_of_work < 0) {
        return fetch(base + "/f/" + encodeURIComponent(id) + "/token").then(function (r) { return r.json(); })
          .then(function (fresh) { return fresh.proof_of_work; });
      }
      return t.proof_of_work;
    }).then(function (bits) {
      if (bits > 0) {
        return prove(field(form, "_t").value, bits).then(function (p) { field(form, "_pow", p); });
      }
    }).catch(function () {});
    form.addEventListener("submit", function (event) {
      if (form.dataset.proven) {
        return;
      }
      event.preventDefault();
      ready.then(function () {
        form.dataset.proven = "true";
        form.submit();
      });
    });
  });
})();
