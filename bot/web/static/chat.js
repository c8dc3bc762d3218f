// The children's chat page: one WebSocket to the web app, reconnecting by itself.
// Only the conversation id and the last message number are kept, in sessionStorage, and the quick exit
// clears them. Messages are shown as text, never as HTML.
"use strict";

(function () {
  const KEY = "chat";
  const exitUrl = document.body.dataset.quickExit;
  const list = document.getElementById("messages");
  const form = document.getElementById("send-form");
  const input = document.getElementById("text");
  const count = document.getElementById("count");
  const typing = document.getElementById("typing");
  const connection = document.getElementById("connection");
  const quickReplies = document.getElementById("quick-replies");
  const helplines = document.getElementById("helplines");
  const composer = document.getElementById("composer");
  const quickExitLink = document.getElementById("quick-exit");

  let state = load();
  let socket = null;
  let retry = 0;
  let welcomed = false; // the server has answered this connection's hello
  let pictureRefusalOwed = false;
  let typingTimer = null;
  let lastTypingSent = 0;
  const outbox = new Map(); // client id -> {text, payload}: sent but not yet acknowledged
  const shown = new Set(); // message numbers on screen

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save() { sessionStorage.setItem(KEY, JSON.stringify({ conversation: state.conversation, after: state.after || 0 })); }

  // ---- quick exit: first in keyboard order, or Esc twice
  function quickExit(event) {
    if (event) event.preventDefault();
    try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage may be off */ }
    if (socket) { socket.onclose = null; socket.close(); }
    document.body.textContent = "";
    location.replace(exitUrl);
  }
  document.getElementById("quick-exit").addEventListener("click", quickExit);
  let lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape < 1500) quickExit(event);
    lastEscape = now;
  });

  // ---- showing messages
  function addBubble(speaker, text, extraClass) {
    const item = document.createElement("li");
    item.className = "bubble " + speaker + (extraClass ? " " + extraClass : "");
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = { child: "You: ", bot: "Bot: ", counsellor: "Counsellor: ", system: "" }[speaker] || "";
    const body = document.createElement("span");
    body.append.apply(body, speaker === "child" ? [text] : withLinks(text));
    item.append(who, body);
    list.appendChild(item);
    reveal(item);
    return item;
  }

  // Web addresses in the bot's and the team's words become links that open in a new tab, with no way back to
  // this page from there (noopener) and no address sent on (noreferrer). Text stays text: nothing is read as HTML.
  const ADDRESS = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'])/g;
  function withLinks(text) {
    const parts = [];
    let last = 0;
    text.replace(ADDRESS, function (address, _group, at) {
      if (at > last) parts.push(text.slice(last, at));
      const link = document.createElement("a");
      link.href = address;
      link.textContent = address;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parts.push(link);
      last = at + address.length;
    });
    if (last < text.length) parts.push(text.slice(last));
    return parts;
  }

  // Brings a new message into sight between the quick exit and the box: all of it, or its first line when it is
  // taller than the room there.
  function reveal(item) {
    const above = quickExitLink.offsetHeight + 8;
    const below = composer.offsetHeight + 8;
    item.style.scrollMarginTop = above + "px";
    item.style.scrollMarginBottom = below + "px";
    item.scrollIntoView({ block: item.offsetHeight > window.innerHeight - above - below ? "start" : "end" });
  }

  function showMessage(message) {
    if (shown.has(message.seq)) return;
    shown.add(message.seq);
    const pending = message.client_id && list.querySelector('[data-client-id="' + CSS.escape(message.client_id) + '"]');
    if (pending) {
      pending.classList.remove("pending");
    } else {
      addBubble(message.speaker, message.text);
    }
    if (message.speaker !== "child") {
      typing.hidden = true;
      // A message without buttons (the handoff's "finding a person") never takes away the buttons of the one
      // before it ("Are you safe right now?"): they go when the child answers or a newer question comes.
      if (message.buttons && message.buttons.length) showQuickReplies(message.buttons);
    }
    state.after = Math.max(state.after || 0, message.seq);
    save();
  }

  function showQuickReplies(buttons) {
    quickReplies.textContent = "";
    buttons.forEach(function (button) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.addEventListener("click", function () {
        send(button.title, button.payload);
        input.focus(); // the chosen button is gone: keep the keyboard in the conversation, on the box
      });
      quickReplies.appendChild(element);
    });
  }

  function showHelplines(items) {
    helplines.textContent = "";
    items.forEach(function (line) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = line.link;
      link.textContent = line.name + ": " + line.value;
      item.appendChild(link);
      helplines.appendChild(item);
    });
  }

  function showNotice(event) {
    addBubble("bot", event.text, "notice");
    if (event.refused && outbox.has(event.refused)) {
      // The message was not taken: give the words back so nothing is lost.
      const refused = outbox.get(event.refused);
      outbox.delete(event.refused);
      const bubble = list.querySelector('[data-client-id="' + CSS.escape(event.refused) + '"]');
      if (bubble) bubble.remove();
      if (!input.value) input.value = refused.text;
      updateCount();
    }
  }

  // ---- the connection
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/chat");
    socket.onopen = function () {
      retry = 0;
      welcomed = false;
      socket.send(JSON.stringify({ type: "hello", conversation: state.conversation || null, after: state.after || 0 }));
    };
    socket.onmessage = function (frame) {
      const event = JSON.parse(frame.data);
      if (event.type === "welcome") {
        state.conversation = event.conversation;
        save();
        connection.hidden = true;
        welcomed = true;
        outbox.forEach(function (message, id) { transmit(id, message); }); // resend what was not acknowledged
        answerPictureRefusal();
      } else if (event.type === "message") {
        showMessage(event);
      } else if (event.type === "ack") {
        outbox.delete(event.id);
        const bubble = list.querySelector('[data-client-id="' + CSS.escape(event.id) + '"]');
        if (bubble) bubble.classList.remove("pending");
        if (event.seq) { shown.add(event.seq); state.after = Math.max(state.after || 0, event.seq); save(); }
      } else if (event.type === "typing") {
        typing.textContent = event.speaker === "counsellor" ? "The counsellor is typing…" : "The bot is typing…";
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.hidden = true; }, 8000);
      } else if (event.type === "helplines") {
        showHelplines(event.items);
      } else if (event.type === "notice") {
        showNotice(event);
      } else if (event.type === "status") {
        document.body.dataset.status = event.status;
      }
    };
    socket.onclose = function () {
      connection.textContent = "Connecting again… Your messages are safe.";
      connection.hidden = false;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, Math.min(500 * Math.pow(2, retry - 1), 10000));
    };
  }

  function transmit(id, message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "message", id: id, text: message.text, payload: message.payload || null }));
    }
  }

  function newId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function send(text, payload) {
    text = text.trim();
    if (!text) return;
    const id = newId();
    outbox.set(id, { text: text, payload: payload });
    const bubble = addBubble("child", text, "pending");
    bubble.dataset.clientId = id;
    quickReplies.textContent = "";
    transmit(id, { text: text, payload: payload });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
    input.value = "";
    updateCount();
    putBackTheRest();
    input.focus();
  });

  // A paste longer than a message can be is never cut silently: the first part goes in the box, the rest waits
  // and comes back into the box once the first part is sent.
  let pastedRest = "";
  input.addEventListener("paste", function (event) {
    const text = event.clipboardData ? event.clipboardData.getData("text") : "";
    const room = input.maxLength - input.value.length + (input.selectionEnd - input.selectionStart);
    if (text.length <= room) return;
    event.preventDefault();
    input.setRangeText(text.slice(0, room), input.selectionStart, input.selectionEnd, "end");
    pastedRest = text.slice(room) + pastedRest;
    count.textContent = "That was longer than one message (" + input.maxLength + " characters). The first part " +
      "is in the box. Send it, and the rest comes back into the box to send next.";
  });
  function putBackTheRest() {
    if (!pastedRest) return;
    input.value = pastedRest.slice(0, input.maxLength);
    pastedRest = pastedRest.slice(input.maxLength);
    count.textContent = "Here is the rest of what you pasted" + (pastedRest ? " (more comes after it)" : "") +
      ". Send it when you are ready.";
  }
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  function updateCount() {
    const left = Number(input.maxLength) - input.value.length;
    count.textContent = left < 100 ? left + " characters left" : "";
  }
  input.addEventListener("input", function () {
    updateCount();
    const now = Date.now();
    if (socket && socket.readyState === WebSocket.OPEN && now - lastTypingSent > 3000) {
      lastTypingSent = now;
      socket.send(JSON.stringify({ type: "typing" }));
    }
  });

  // Pictures and files are never taken: refuse kindly, whether pasted or dropped. The server words the refusal; a
  // picture pasted before the connection is ready gets it as soon as it is.
  function refuseFiles(event) {
    const items = event.clipboardData ? event.clipboardData.files : (event.dataTransfer ? event.dataTransfer.files : []);
    if (items && items.length) {
      event.preventDefault();
      pictureRefusalOwed = true;
      answerPictureRefusal();
    }
  }
  function answerPictureRefusal() {
    if (!pictureRefusalOwed || !welcomed || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "picture" }));
    pictureRefusalOwed = false;
  }
  document.addEventListener("paste", refuseFiles);
  document.addEventListener("drop", refuseFiles);
  document.addEventListener("dragover", function (event) { event.preventDefault(); });

  document.getElementById("talk-to-person").addEventListener("click", function () {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "human" }));
  });

  connect();
})();
