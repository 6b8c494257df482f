// The recording page: each prompt recorded with the browser's microphone, listened to, and saved as audio Twilio
// plays (8 kHz mono 16-bit WAV, resampled here with the Web Audio API, so the server needs no ffmpeg), with the
// silence before and after trimmed. A recording the server did not take stays on the page until downloaded.
"use strict";
(function () {
  const list = document.getElementById("prompts");
  const code = list.dataset.code;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const RATE = 8000;            // what Twilio plays on a phone line
  const LOUD_ENOUGH = 0.02;     // a 20 ms window this loud (about -34 dBFS) is speech, not silence
  const MARGIN = 0.15;          // seconds of quiet kept before and after the speech
  const LONGEST = 30;           // seconds: a longer prompt is worth a second look
  const unsaved = new Map();    // prompt name -> its recording, not (yet) on the server
  let stream = null;
  let recording = null;         // {recorder, item} while one prompt is being recorded

  function tell(element, kind, text) {
    element.className = "message " + kind;
    element.textContent = text;
  }

  async function microphone() {   // permission is asked once, the first time Record is pressed
    if (!stream) {
      stream = await navigator.mediaDevices.getUserMedia(
        {audio: {channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
    }
    return stream;
  }

  async function resampled(blob) {
    const context = new AudioContext();
    const decoded = await context.decodeAudioData(await blob.arrayBuffer());
    await context.close();
    const offline = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * RATE)), RATE);
    const source = offline.createBufferSource();   // mixed down to one channel, resampled to 8 kHz
    source.buffer = decoded;
    source.connect(offline.destination);
    source.start();
    return (await offline.startRendering()).getChannelData(0);
  }

  function trimmed(samples) {
    const window = RATE / 50;
    let first = -1;
    let last = -1;
    for (let start = 0; start < samples.length; start += window) {
      let peak = 0;
      for (let i = start; i < Math.min(start + window, samples.length); i++) peak = Math.max(peak, Math.abs(samples[i]));
      if (peak >= LOUD_ENOUGH) {
        if (first < 0) first = start;
        last = Math.min(start + window, samples.length);
      }
    }
    if (first < 0) return samples.subarray(0, 0);
    const margin = Math.round(MARGIN * RATE);
    return samples.subarray(Math.max(0, first - margin), Math.min(samples.length, last + margin));
  }

  function warnings(samples) {
    const found = [];
    if (samples.length < 0.3 * RATE) found.push("it is silent: nothing was heard (check the microphone)");
    let clipped = 0;
    for (const sample of samples) if (Math.abs(sample) >= 0.99) clipped++;
    if (clipped > samples.length / 1000) found.push("it is clipped: too loud; move back from the microphone");
    if (samples.length > LONGEST * RATE) found.push(`it is longer than ${LONGEST} seconds`);
    return found;
  }

  function wav(samples) {
    const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
    const ascii = (at, text) => [...text].forEach((ch, i) => view.setUint8(at + i, ch.charCodeAt(0)));
    ascii(0, "RIFF");
    view.setUint32(4, 36 + samples.length * 2, true);
    ascii(8, "WAVE");
    ascii(12, "fmt ");
    view.setUint32(16, 16, true);       // the format chunk's size
    view.setUint16(20, 1, true);        // PCM
    view.setUint16(22, 1, true);        // mono
    view.setUint32(24, RATE, true);
    view.setUint32(28, RATE * 2, true); // bytes a second
    view.setUint16(32, 2, true);        // bytes a sample
    view.setUint16(34, 16, true);       // bits a sample
    ascii(36, "data");
    view.setUint32(40, samples.length * 2, true);
    samples.forEach((sample, i) => view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, sample)) * 0x7fff, true));
    return new Blob([view.buffer], {type: "audio/wav"});
  }

  async function start(item) {
    const message = item.querySelector(".message");
    let source;
    try {
      source = await microphone();
    } catch (error) {
      tell(document.getElementById("mic"), "bad",
           `The microphone is not available (${error.name}): allow it for this page, then press Record again.`);
      return;
    }
    const chunks = [];
    const recorder = new MediaRecorder(source);
    recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
    recorder.addEventListener("stop", () => finished(item, new Blob(chunks, {type: recorder.mimeType})));
    recording = {recorder, item};
    recorder.start();
    const button = item.querySelector(".record");
    button.textContent = "Stop";
    button.setAttribute("aria-pressed", "true");
    tell(message, "", "Recording… read the prompt, then press Stop.");
  }

  function stop() {
    const {recorder, item} = recording;
    recording = null;
    recorder.stop();
    const button = item.querySelector(".record");
    button.textContent = "Record again";
    button.setAttribute("aria-pressed", "false");
  }

  async function finished(item, blob) {
    const message = item.querySelector(".message");
    let samples;
    try {
      samples = trimmed(await resampled(blob));
    } catch (error) {
      tell(message, "bad", `The recording could not be read (${error.name}); record it again.`);
      return;
    }
    const take = wav(samples);
    const player = item.querySelector(".take");
    if (player.src) URL.revokeObjectURL(player.src);
    player.src = URL.createObjectURL(take);
    player.hidden = false;
    unsaved.set(item.dataset.name, take);
    item.querySelector(".save").disabled = false;
    const found = warnings(samples);
    const seconds = (samples.length / RATE).toFixed(1);
    tell(message, found.length ? "warn" : "", found.length
      ? `${seconds} s: ${found.join("; ")}. Listen, then record again or save.`
      : `${seconds} s. Listen to it, then save it or record again.`);
  }

  async function save(item) {
    const name = item.dataset.name;
    const message = item.querySelector(".message");
    const take = unsaved.get(name);
    if (!take) return;
    let response;
    try {
      response = await fetch(`record/${code}/${name}.wav`, {
        method: "PUT", credentials: "same-origin", body: take,
        headers: {"Content-Type": "audio/wav", "X-CSRF-Token": csrf},
      });
    } catch (error) {
      tell(message, "bad", "Not saved: the server could not be reached. It stays on this page: try again, or use Download recordings.");
      return;
    }
    if (response.status === 201 || response.status === 204) {
      unsaved.delete(name);
      item.querySelector(".save").disabled = true;
      const now = item.querySelector(".now");
      if (!now.classList.contains("recording")) {
        const done = document.getElementById("done");
        done.textContent = String(Number(done.textContent) + 1);
        const meter = document.getElementById("meter");
        meter.value = Number(done.textContent);
        const textOnly = document.getElementById("text-only");
        if (textOnly && meter.value >= meter.max) {
          textOnly.textContent = "Every prompt is recorded: the language joins the call's language menu from the next call.";
        }
      }
      now.className = "now recording";
      now.textContent = "Callers hear now: a person's recording";
      tell(message, "good", "Saved. Callers hear it from their next call.");
      return;
    }
    let reason = `the server answered ${response.status}`;
    try {
      reason = (await response.json()).error || reason;
    } catch (error) { /* keep the status */ }
    tell(message, "bad", `Not saved: ${reason}. It stays on this page: use Download recordings to keep it.`);
  }

  async function download() {
    const form = new FormData();
    for (const [name, take] of unsaved) form.append(name, take, `${name}.wav`);
    const response = await fetch(`record/${code}/download`, {
      method: "POST", credentials: "same-origin", body: form, headers: {"X-CSRF-Token": csrf},
    });
    const status = document.getElementById("mic");
    if (!response.ok) {
      tell(status, "bad", `Download failed: the server answered ${response.status}.`);
      return;
    }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `recordings-${code}.zip`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    tell(status, "good", `Downloaded recordings-${code}.zip: unzip it in the project folder and commit prompts/audio/${code}/.`);
  }

  list.querySelectorAll("li").forEach((item) => {
    item.querySelector(".record").addEventListener("click", () => {
      if (recording && recording.item === item) stop();
      else if (recording) tell(item.querySelector(".message"), "warn", "Another prompt is being recorded: stop it first.");
      else start(item);
    });
    item.querySelector(".save").addEventListener("click", () => save(item));
  });
  document.getElementById("download").addEventListener("click", download);
  window.addEventListener("beforeunload", (event) => {   // never lose a recording silently
    if (unsaved.size || recording) event.preventDefault();
  });
})();
