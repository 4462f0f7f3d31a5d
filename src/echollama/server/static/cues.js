// What a listener hears besides answers, in the app's voice modes: short earcons (synthesised with Web Audio, no
// sound files) when the microphone opens, when a question is sent and when something fails, and errors spoken.
// Plain script, loaded after playback.js (whose AudioContext it shares) and before app.js; one global, `cues`.
"use strict";

const cues = (() => {
  // Three shapes that cannot be mistaken for each other or for speech: rising (listening), falling (sent), a low
  // buzz twice (failed). Each under a third of a second and quiet beside the voice.
  const EARCONS = {
    listening: { wave: "sine", notes: [[523, 0, 0.09], [784, 0.1, 0.12]] },
    sent: { wave: "sine", notes: [[784, 0, 0.08], [523, 0.09, 0.1]] },
    failed: { wave: "square", notes: [[196, 0, 0.1], [196, 0.14, 0.14]] },
  };
  const PEAK = 0.12;
  const played = [];  // earcon names in order (the browser test reads it beside the Web Audio graph)

  function earcon(name) {
    if (!voiced()) return;  // (app.js) screen reader text is the silent mode
    const shape = EARCONS[name];
    const context = playback.audioContext();
    const start = context.currentTime + 0.01;
    for (const [frequency, at, length] of shape.notes) {
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.type = shape.wave;
      tone.frequency.value = frequency;
      // A few milliseconds of attack and release: no click at either end.
      gain.gain.setValueAtTime(0, start + at);
      gain.gain.linearRampToValueAtTime(PEAK, start + at + 0.01);
      gain.gain.setValueAtTime(PEAK, start + at + length - 0.02);
      gain.gain.linearRampToValueAtTime(0, start + at + length);
      tone.connect(gain).connect(context.destination);
      tone.start(start + at);
      tone.stop(start + at + length);
    }
    played.push(name);
  }

  // Errors are spoken by this device's own voice (speechSynthesis), not the app's: the errors that matter most
  // ("cannot reach the server", "the server is busy") come when the server, which makes the app's voice, cannot
  // speak, and the device's voice starts at once and works offline. Returns false when there is no device voice
  // (then the caller puts the error in the alert region for a screen reader); `onFailed` runs if speaking fails.
  function speak(message, onFailed) {
    const synthesis = window.speechSynthesis;
    if (!synthesis || !synthesis.getVoices().length) return false;
    const utterance = new SpeechSynthesisUtterance(message);
    utterance.onerror = (event) => { if (event.error !== "interrupted" && event.error !== "canceled") onFailed(); };
    synthesis.cancel();
    synthesis.speak(utterance);
    return true;
  }

  // In voice mode the failed earcon and the device's voice; as screen reader text (or Both, or with no device voice)
  // the alert region.
  function tellError(message) {
    const alert = () => { document.getElementById("alert").textContent = message; };
    if (texted()) alert();
    if (!voiced()) return;
    earcon("failed");
    if (!speak(message, alert)) alert();
  }

  function silence() { if (window.speechSynthesis) window.speechSynthesis.cancel(); }
  const speaking = () => Boolean(window.speechSynthesis && window.speechSynthesis.speaking);
  // The app's voice (streamed or replayed) or the device's voice is speaking now.
  const voicePlaying = () => playback.playing() || speaking() || [...document.querySelectorAll("audio")].some((a) => !a.paused);

  if (window.speechSynthesis) window.speechSynthesis.getVoices();  // some browsers load their voices on first ask
  return { earcon, tellError, silence, voicePlaying, get played() { return played.slice(); } };
})();
