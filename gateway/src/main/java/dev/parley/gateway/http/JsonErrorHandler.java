package dev.parley.gateway.http;

import dev.parley.gateway.openai.Json;
import dev.parley.gateway.openai.OpenAiException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers by itself, before any route runs (an ambiguous or malformed URI, headers too large), in
 * OpenAI's error shape like every other error, instead of an HTML page.
 */
public final class JsonErrorHandler extends ErrorHandler {

    /**
     * Jetty writes error bodies for GET, POST and HEAD only; a DELETE with a malformed path got a 400 with no body
     * and no Content-Type (found by Schemathesis). Every method gets the JSON error.
     */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int code, String message) {
        String text = message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
        OpenAiException error = new OpenAiException(code, code >= 500 ? "server_error" : "invalid_request_error",
                null, null, text);
        return Json.write(Json.error(error)).getBytes(StandardCharsets.UTF_8);
    }
}
