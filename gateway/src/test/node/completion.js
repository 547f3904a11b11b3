// One completion and one stream with the official openai npm package; prints one JSON line.
// Usage: OPENAI_BASE_URL=... OPENAI_API_KEY=... PARLEY_MODEL=... node completion.js OPENAI_MODULE_DIR
const { OpenAI } = require(process.argv[2]);

async function main() {
  const client = new OpenAI({ maxRetries: 0 });
  const messages = [{ role: "user", content: "Say hello from Node. " + Date.now() }];
  const completion = await client.chat.completions.create({ model: process.env.PARLEY_MODEL, messages,
    max_tokens: 12, temperature: 0 });
  const stream = await client.chat.completions.create({ model: process.env.PARLEY_MODEL, messages, max_tokens: 12,
    stream: true });
  let streamed = "";
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    streamed += chunk.choices[0]?.delta?.content || "";
  }
  console.log(JSON.stringify({ object: completion.object, content: completion.choices[0].message.content,
    finish_reason: completion.choices[0].finish_reason, completion_tokens: completion.usage.completion_tokens,
    streamed, chunks }));
}

main().catch((e) => { console.error(e); process.exit(1); });
