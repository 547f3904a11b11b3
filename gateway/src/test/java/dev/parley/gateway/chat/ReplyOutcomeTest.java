package dev.parley.gateway.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ErrorInfo;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Reply;
import dev.parley.schemas.ReplyStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A worker's refusal of what the request asked of the chat template is the client's 400, naming the parameter. */
class ReplyOutcomeTest {

    @ParameterizedTest
    @CsvSource({
            "unsupported_template_variables, chat_template_kwargs",
            "chat_template_refused, messages",
    })
    void aTemplateRefusalIsABadRequestNamingTheParameter(String code, String param) {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.ERROR)
                .finishReason(FinishReason.ERROR).error(new ErrorInfo(code, "the worker's words")).build();

        assertThatThrownBy(() -> ReplyOutcome.check(reply)).isInstanceOfSatisfying(OpenAiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.code()).isEqualTo(code);
        });
    }

    @org.junit.jupiter.api.Test
    void whatTheWorkersEngineCannotDoIsABadRequestWithTheWorkersWords() {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.ERROR)
                .finishReason(FinishReason.ERROR).error(new ErrorInfo("unsupported_feature",
                        "the java engine (java-llama.cpp) does not report logprobs")).build();

        assertThatThrownBy(() -> ReplyOutcome.check(reply)).isInstanceOfSatisfying(OpenAiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("unsupported_feature");
            assertThat(e.getMessage()).contains("logprobs");
        });
    }

    @org.junit.jupiter.api.Test
    void aPromptThatReachedAWorkerOfAnotherModelIsNotFoundWithoutTheWorkersTopics() {
        Reply reply = Reply.builder().requestId("r1").conversationId("c").status(ReplyStatus.ERROR).model("tiny")
                .finishReason(FinishReason.ERROR).error(new ErrorInfo("unknown_model", "$.model: the prompt asks for "
                        + "model 'smollm2', but this worker serves 'tiny' on topic internal.prompts.tiny")).build();

        assertThatThrownBy(() -> ReplyOutcome.check(reply)).isInstanceOfSatisfying(OpenAiException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.param()).isEqualTo("model");
            assertThat(e.code()).isEqualTo("model_not_found");
            assertThat(e.getMessage()).contains("r1").contains("tiny").doesNotContain("internal.prompts");
        });
    }
}
