// echollama page, Read text: all the text in the photo (signs, labels, pages) read aloud by POST /v1/read, shown as
// paragraphs after the button, the status saying how much there is. Loaded after app.js, whose globals it uses.
"use strict";

async function readText() {
  if (!state.file || state.reading) return;
  stopSpeaking();
  clearError();
  ui.readText.setAttribute("aria-disabled", "true");  // not `disabled`: focus stays on the button that acted
  ui.reading.hidden = false;
  ui.reading.replaceChildren(paragraph("Reading the text in the photo…", "placeholder"));
  say("Reading the text in the photo.");
  const form = new FormData();
  form.append("image", state.file);
  form.append("rate", String(speechRate()));
  const aborted = new AbortController();
  state.reading = aborted;
  let response;
  try { response = await postWithRetry("/v1/read", form, aborted.signal); } catch {
    if (!aborted.signal.aborted) fail("The server did not answer.");
  } finally { state.reading = null; }
  ui.readText.removeAttribute("aria-disabled");
  if (!response) { ui.reading.replaceChildren(paragraph("No text read.", "placeholder")); return; }
  if (!response.ok) {
    fail(`The text could not be read: ${await detail(response)}`);
    ui.reading.replaceChildren(paragraph("No text read.", "placeholder"));
    return;
  }
  const result = await response.json();
  // One paragraph per block, in reading order. A page of text is never poured into a live region: the status says
  // how much there is, the text follows the button (focusable), and the voice reads it if answers are voiced.
  // Framing advice ("The text runs off the right edge; …") comes first, as the voice says it.
  const blocks = result.text ? [result.framing, ...result.text.split("\n\n")].filter(Boolean) : [result.spoken];
  ui.reading.replaceChildren(...blocks.map((block) => paragraph(block.replaceAll("\n", " "))));
  ui.readingAudio.src = result.audio_url;
  ui.readingAudio.hidden = false;
  repeatable(ui.readingAudio, blocks.join(" "));
  if (voiced()) ui.readingAudio.play().catch(() => {});
  const lines = result.text ? result.text.split("\n").filter((line) => line.trim()).length : 0;
  const advice = result.framing ? `${result.framing} ` : "";
  say(lines ? `${advice}Text read: ${lines} ${lines === 1 ? "line" : "lines"}, shown after the Read text button.`
    : (result.framing || result.codes?.length ? result.spoken : "There is no text I can read in this photo."));
}

ui.readText.addEventListener("click", readText);
