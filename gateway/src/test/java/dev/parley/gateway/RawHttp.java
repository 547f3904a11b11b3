package dev.parley.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 by hand, for what {@link java.net.http.HttpClient} will not send: any Host, a trickled or endless body. */
final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private long sent;

    RawHttp(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(120_000);
    }

    RawHttp head(String head) throws IOException {
        socket.getOutputStream().write((head + "\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return this;
    }

    void write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        sent += bytes.length;
    }

    /** Body bytes written so far. */
    long sent() {
        return sent;
    }

    /** Whether the server has started to answer. */
    boolean answered() throws IOException {
        return socket.getInputStream().available() > 0;
    }

    /** The response's status code and what followed it (head and as much body as came before the close). */
    String response() throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                String text = out.toString(StandardCharsets.UTF_8);
                int headEnd = text.indexOf("\r\n\r\n");
                if (headEnd > 0 && text.contains("}")) {
                    break; // an error body is one small JSON object
                }
            }
        } catch (IOException reset) {
            // the server closed after answering; what arrived is the answer
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static int status(String response) {
        return response.startsWith("HTTP/1.1 ") ? Integer.parseInt(response.substring(9, 12)) : -1;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
