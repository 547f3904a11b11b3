package dev.parley.gateway.http;

import dev.parley.gateway.openai.OpenAiException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * What stands in for authentication on a gateway that runs without keys (loopback only): a web page the developer
 * opens must not be able to use the API. So the {@code Host} must be a loopback name (a DNS-rebinding page comes with
 * its own host name), and a body must carry its route's media type ({@code application/json}, or
 * {@code multipart/form-data} for uploads): a browser sends a cross-site form or {@code text/plain} POST without
 * asking, but never one of JSON.
 */
public final class LoopbackScreen {

    /** The host names a loopback gateway answers to (plus the one it was told to bind). */
    public static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Set<String> hosts;
    private final Map<String, String> mediaTypeByRoute;

    /** Whether {@code host} names only this machine's loopback interface. */
    public static boolean isLoopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * @param boundHost        the host the gateway binds, also accepted in {@code Host}
     * @param mediaTypeByRoute body media types by route pattern; every other route with a body takes JSON
     */
    public LoopbackScreen(String boundHost, Map<String, String> mediaTypeByRoute) {
        Set<String> names = new HashSet<>(LOOPBACK_HOSTS);
        names.add(boundHost.toLowerCase(Locale.ROOT));
        this.hosts = Set.copyOf(names);
        this.mediaTypeByRoute = Map.copyOf(mediaTypeByRoute);
    }

    /** 403 unless the request names a loopback host. */
    void checkHost(Request request) {
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host == null || !hosts.contains(hostName(host))) {
            throw new OpenAiException(403, "invalid_request_error", null, "host_not_allowed", "this gateway runs "
                    + "without authentication and answers only requests addressed to a loopback host");
        }
    }

    /** 415 when a request with a body does not say it is of its route's media type. */
    void checkContentType(Request request, String route) {
        boolean hasBody = request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        if (!hasBody) {
            return;
        }
        String expected = mediaTypeByRoute.getOrDefault(route, "application/json");
        String given = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String type = given == null ? "" : given.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals(expected)) {
            throw new OpenAiException(415, "invalid_request_error", null, "unsupported_media_type",
                    "this route takes a body of Content-Type " + expected + ", got " + (given == null ? "none" : given));
        }
    }

    private static String hostName(String header) {
        String host = header.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }
}
