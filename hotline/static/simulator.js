// The hotline simulator: a text thread and a phone call, driven through the same code as Twilio's webhooks.
"use strict";
(function () {
  const session = document.getElementById("phones").dataset.session;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;   // every POST carries it
  const $ = (id) => document.getElementById(id);
  let gather = null;        // the action of the prompt waiting for keys or words
  let audioQueue = Promise.resolve();

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify(data),
    });
    if (!response.ok) throw new Error("The hotline answered " + response.status);
    return response.json();
  }

  function bubble(list, kind, text, meta) {
    const item = document.createElement("li");
    item.className = kind;
    item.dir = "auto";
    item.textContent = text;
    if (meta) {
      const small = document.createElement("span");
      small.className = "meta";
      small.dir = "ltr";
      small.textContent = meta;
      item.appendChild(small);
    }
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  // WhatsApp draws *words* in bold: shown so here, built as elements (never as HTML from the reply).
  function whatsappBubble(list, text) {
    const item = bubble(list, "hotline whatsapp", "", "WhatsApp");
    const meta = item.firstChild;
    for (const [n, piece] of text.split(/\*([^*\n]+)\*/).entries()) {
      const node = n % 2 ? document.createElement("strong") : document.createTextNode(piece);
      if (n % 2) node.textContent = piece;
      item.insertBefore(node, meta);
    }
    return item;
  }

  $("channel").addEventListener("change", () => {
    $("channel-name").textContent = $("channel").value === "whatsapp" ? "(WhatsApp)" : "(SMS)";
  });

  // --- texts ---
  $("send").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = $("body").value;
    $("body").value = "";
    const channel = $("channel").value;
    bubble($("thread"), "me", body || "(empty text)", channel === "whatsapp" ? "WhatsApp" : "");
    try {
      const answer = await post("simulator/sms", {session, body, lang: $("lang").value, channel});
      if (!answer.replies.length) bubble($("thread"), "hotline", "(no reply: opted out or over the limit)");
      for (const reply of answer.replies) {
        if (answer.channel === "whatsapp") {
          whatsappBubble($("thread"), reply.text);
          continue;
        }
        const plural = reply.segments === 1 ? "segment" : "segments";
        bubble($("thread"), "hotline", reply.text, `${reply.segments} ${plural} · ${reply.encoding}`);
      }
    } catch (error) {
      bubble($("thread"), "hotline", String(error));
    }
    $("body").focus();
  });

  // --- calls ---
  function inCall(active) {
    document.querySelectorAll(".key").forEach((key) => { key.disabled = !active; });
    $("hangup").disabled = !active;
    $("silent").disabled = !active;
    $("speech").disabled = !active;
    $("say-button").disabled = !active;
    $("call").disabled = active;
  }

  function speak(text, lang) {
    if (!("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = lang || "en-US";
    window.speechSynthesis.speak(utterance);
  }

  function play(url) {
    audioQueue = audioQueue.then(() => new Promise((done) => {
      const audio = new Audio(url);
      audio.onended = done;
      audio.onerror = done;
      audio.play().catch(done);
    }));
  }

  async function follow(twiml) {
    const doc = new DOMParser().parseFromString(twiml, "text/xml");
    gather = null;
    const heard = $("heard");
    for (const verb of doc.documentElement.children) {
      const items = verb.tagName === "Gather" ? Array.from(verb.children) : [verb];
      for (const item of items) {
        if (item.tagName === "Say") {
          bubble(heard, "prompt", item.textContent, item.getAttribute("language") + " · " + (item.getAttribute("voice") || "voice"));
          speak(item.textContent, item.getAttribute("language"));
        } else if (item.tagName === "Play") {
          bubble(heard, "prompt", "♪ recorded or rendered audio", item.textContent);
          play(item.textContent);
        }
      }
      if (verb.tagName === "Gather") {
        gather = verb.getAttribute("action");
        $("call-status").textContent = "Waiting for a key or words.";
      } else if (verb.tagName === "Dial") {
        bubble(heard, "prompt", "Ringing " + verb.textContent.trim() + " (simulated: no one answers)");
        if (verb.getAttribute("action")) {
          return follow((await post("simulator/voice", {session, when: $("when").value, action: verb.getAttribute("action")})).twiml);
        }
      } else if (verb.tagName === "Redirect") {
        return follow((await post("simulator/voice", {session, when: $("when").value, action: verb.textContent})).twiml);
      } else if (verb.tagName === "Hangup") {
        $("call-status").textContent = "The hotline ended the call.";
        inCall(false);
        return;
      }
    }
  }

  async function answer(digits, speech) {
    if (!gather) return;
    bubble($("heard"), "me", digits !== null ? "pressed " + digits : speech !== null ? "said: " + speech : "(silence)");
    const reply = await post("simulator/voice", {session, when: $("when").value, action: gather, digits, speech});
    for (const text of reply.texts || []) {   // the numbers the caller asked for: shown here, never sent
      bubble($("thread"), "hotline", text, "texted to this phone during the call (simulated)");
    }
    await follow(reply.twiml);
  }

  $("call").addEventListener("click", async () => {
    $("heard").innerHTML = "";
    inCall(true);
    $("call-status").textContent = "Calling…";
    await follow((await post("simulator/voice", {session, when: $("when").value})).twiml);
    const first = document.querySelector(".key");
    if (first && !first.disabled) first.focus();
  });
  $("hangup").addEventListener("click", () => {
    window.speechSynthesis && window.speechSynthesis.cancel();
    gather = null;
    inCall(false);
    $("call-status").textContent = "You hung up.";
  });
  $("silent").addEventListener("click", () => answer(null, null));
  document.querySelectorAll(".key").forEach((key) => key.addEventListener("click", () => answer(key.dataset.key, null)));
  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const words = $("speech").value;
    $("speech").value = "";
    answer(null, words);
  });
})();
