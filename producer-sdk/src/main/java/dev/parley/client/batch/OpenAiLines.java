package dev.parley.client.batch;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.Usage;
import dev.parley.schemas.codec.WireJson;
import tools.jackson.databind.node.ObjectNode;

/** Output and error lines in the OpenAI Batch API's shape ({@link BatchOutputFormat#OPENAI}). */
final class OpenAiLines {

    private OpenAiLines() {
    }

    static String result(BatchLine line, Reply reply, long created) {
        ObjectNode json = WireJson.mapper().createObjectNode();
        json.put("id", "batch_req_" + reply.requestId());
        json.put("custom_id", line.customId());
        ObjectNode response = json.putObject("response");
        response.put("status_code", 200);
        response.put("request_id", reply.requestId());
        ObjectNode body = response.putObject("body");
        body.put("id", "chatcmpl-" + reply.requestId());
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", reply.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply.content() == null ? "" : reply.content());
        message.putNull("refusal");
        if (reply.logprobs() == null) {
            choice.putNull("logprobs");
        } else {
            // the wire's entries are OpenAI's content entries already: token, logprob, bytes, top_logprobs
            ObjectNode logprobs = choice.putObject("logprobs");
            logprobs.set("content", WireJson.mapper().valueToTree(reply.logprobs()));
            logprobs.putNull("refusal");
        }
        choice.put("finish_reason", reply.finishReason() == FinishReason.LENGTH ? "length" : "stop");
        Usage usage = reply.usage() == null ? Usage.NONE : reply.usage();
        ObjectNode u = body.putObject("usage");
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.promptTokens() + usage.completionTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedTokens());
        json.putNull("error");
        ObjectNode parley = json.putObject("parley");
        parley.put("conversation_id", reply.conversationId());
        parley.put("request_id", reply.requestId());
        parley.set("reply", WireJson.mapper().valueToTree(reply));
        return WireJson.toString(json);
    }

    static String error(String customId, String requestId, long lineNumber, String code, String message) {
        ObjectNode json = WireJson.mapper().createObjectNode();
        if (requestId != null) {
            json.put("id", "batch_req_" + requestId);
        } else {
            json.putNull("id");
        }
        if (customId != null) {
            json.put("custom_id", customId);
        } else {
            json.putNull("custom_id");
        }
        json.putNull("response");
        json.putObject("error").put("code", code).put("message", message == null ? "" : message);
        json.putObject("parley").put("line", lineNumber);
        return WireJson.toString(json);
    }
}
