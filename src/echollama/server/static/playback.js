// Answer audio: the 16-bit PCM chunks of the WebSocket, scheduled back to back with Web Audio, stoppable at once.
// Plain script, loaded before app.js; one global, `playback`.
"use strict";

const playback = (() => {
  let context = null;
  let answer = null;  // the answer being played: its sample rate, when the next chunk starts, its scheduled clips
  let scheduled = 0;  // chunks ever scheduled on this page (the browser test reads it)

  function audioContext() {
    // Created (or resumed) inside a user gesture, as browsers require before sound may play.
    if (!context) context = new AudioContext();
    if (context.state === "suspended") context.resume();
    return context;
  }

  function begin(sampleRate) {
    stop();
    const now = audioContext().currentTime;
    answer = { rate: sampleRate, next: now + 0.05, clips: [], offset: 0 };
  }

  // The one place a piece of answer audio (a sentence, or the pause after it) is played: through spatial.js's panner
  // (aimed at the sentence's direction) when it is loaded and on, else straight to the speakers.
  function play(buffer) {
    if (!answer) return;
    const ctx = audioContext();
    const pcm = new Int16Array(buffer);
    const clip = ctx.createBuffer(1, pcm.length, answer.rate);
    const samples = clip.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
    const source = ctx.createBufferSource();
    source.buffer = clip;
    source.connect(window.echollamaSpatial ? window.echollamaSpatial.output(ctx) : ctx.destination);
    const at = Math.max(ctx.currentTime + 0.02, answer.next);
    source.start(at);
    answer.clips.push({ source, at, duration: clip.duration });
    answer.next = at + clip.duration;
    scheduled += 1;
  }

  // Seconds of this answer's audio the listener has heard so far (gaps while waiting for audio not counted).
  function heardSeconds() {
    if (!answer || !context) return 0;
    const now = context.currentTime;
    return answer.clips.reduce((heard, clip) => heard + Math.min(clip.duration, Math.max(0, now - clip.at)), 0);
  }

  // Seconds until everything scheduled has been heard.
  function remainingSeconds() {
    if (!answer || !context) return 0;
    return Math.max(0, answer.next - context.currentTime);
  }

  function stop() {
    if (!answer) return;
    for (const clip of answer.clips) {
      try { clip.source.stop(); } catch { /* never started */ }
      clip.source.disconnect();
    }
    answer.clips = [];
    answer = null;
  }

  const playing = () => remainingSeconds() > 0;
  return { audioContext, begin, play, heardSeconds, remainingSeconds, stop, playing, get scheduled() { return scheduled; } };
})();
