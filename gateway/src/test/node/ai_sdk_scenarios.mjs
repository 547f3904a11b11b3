// Vercel AI SDK scenarios against the Parley gateway; each prints one JSON line.
// Usage: OPENAI_BASE_URL=... OPENAI_API_KEY=... PARLEY_MODEL=... RUN_ID=... node ai_sdk_scenarios.mjs SCENARIO
// Run from a folder whose node_modules holds ai, @ai-sdk/openai, @ai-sdk/openai-compatible and zod (AiSdkTest).
import { generateText, streamText, tool, isStepCount } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { z } from "zod";

const MODEL = process.env.PARLEY_MODEL;
const RUN = process.env.RUN_ID;
const settings = { baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY };
// @ai-sdk/openai-compatible: chat completions; @ai-sdk/openai's default openai(model): the Responses API.
const compatible = createOpenAICompatible({ name: "parley", ...settings });
// The request bodies the Responses provider sent, to show which input item types it used.
const sent = [];
const openai = createOpenAI({ ...settings, fetch: async (url, init) => {
  sent.push(JSON.parse(init.body));
  return fetch(url, init);
} });
const inputTypes = () => sent.map((body) => (Array.isArray(body.input) ? body.input : [])
  .map((item) => item.type ?? "message"));

const executed = [];
const weather = (execute) => tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string().min(1).max(20) }),
  ...(execute ? { execute: async ({ city }) => { executed.push(city); return { city, weather: "sunny, 21 C" }; } } : {}),
});

/** One step that must call the tool, then one that must answer in text: a full round the small model can't skip. */
const oneRound = {
  stopWhen: isStepCount(3),
  prepareStep: ({ stepNumber }) => ({
    toolChoice: stepNumber === 0 ? { type: "tool", toolName: "get_weather" } : "none",
  }),
};

const calls = (result) => result.toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, input: c.input }));

function round(result) {
  return {
    steps: result.steps.map((step) => ({ finish_reason: step.finishReason, calls: calls(step),
      results: step.toolResults.map((r) => ({ id: r.toolCallId, output: r.output })), text: step.text,
      response_id: step.providerMetadata?.openai?.responseId ?? null })),
    text: result.text, finish_reason: result.finishReason, executed, input_types: inputTypes(),
  };
}

const scenarios = {
  async compatible_tool() {
    const result = await generateText({ model: compatible.chatModel(MODEL), tools: { get_weather: weather(false) },
      toolChoice: "required", prompt: "What is the weather in Paris? " + RUN, maxOutputTokens: 64, temperature: 0,
      maxRetries: 0 });
    return { finish_reason: result.finishReason, calls: calls(result), text: result.text };
  },

  async compatible_round() {
    return round(await generateText({ model: compatible.chatModel(MODEL), tools: { get_weather: weather(true) },
      prompt: "What is the weather in Paris? " + RUN, maxOutputTokens: 32, temperature: 0, maxRetries: 0,
      ...oneRound }));
  },

  async responses_text() {
    const question = { role: "user", content: "What is the capital of France? " + RUN };
    const result = await generateText({ model: openai(MODEL), messages: [question], maxOutputTokens: 12,
      temperature: 0, maxRetries: 0 });
    // The next turn resends the answer, which the SDK sends as an item_reference to the stored response's message.
    const next = await generateText({ model: openai(MODEL), maxOutputTokens: 12, temperature: 0, maxRetries: 0,
      messages: [question, ...result.response.messages, { role: "user", content: "And of Italy?" }] });
    return { text: result.text, finish_reason: result.finishReason, output_tokens: result.usage.outputTokens,
      response_id: result.providerMetadata?.openai?.responseId ?? null, model: result.response.modelId,
      next_text: next.text, next_response_id: next.providerMetadata?.openai?.responseId ?? null,
      input_types: inputTypes() };
  },

  async responses_stream() {
    const result = streamText({ model: openai(MODEL), prompt: "Count to five. " + RUN, maxOutputTokens: 12,
      temperature: 0, maxRetries: 0, onError: ({ error }) => { throw error; } });
    const pieces = [];
    for await (const piece of result.textStream) {
      pieces.push(piece);
    }
    return { pieces, text: await result.text, finish_reason: await result.finishReason,
      output_tokens: (await result.usage).outputTokens };
  },

  async responses_round() {
    return round(await generateText({ model: openai(MODEL), tools: { get_weather: weather(true) },
      prompt: "What is the weather in Paris? " + RUN, maxOutputTokens: 32, temperature: 0, maxRetries: 0,
      ...oneRound }));
  },

  async responses_stream_tool() {
    const result = streamText({ model: openai(MODEL), tools: { get_weather: weather(false) },
      toolChoice: { type: "tool", toolName: "get_weather" }, prompt: "And in Rome? " + RUN, maxOutputTokens: 64,
      temperature: 0, maxRetries: 0, onError: ({ error }) => { throw error; } });
    const types = [];
    let deltas = "";
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === "tool-input-delta") {
        deltas += part.delta;
      }
    }
    return { types, deltas, calls: calls({ toolCalls: await result.toolCalls }),
      finish_reason: await result.finishReason };
  },
};

const name = process.argv[2];
scenarios[name]().then((result) => console.log(JSON.stringify(result)))
  .catch((e) => { console.error(e); process.exit(1); });
