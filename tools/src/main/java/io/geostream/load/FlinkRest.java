package io.geostream.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads Flink's REST API: one JSON document per path ({@code /jobs/<id>/checkpoints}...). */
@FunctionalInterface
public interface FlinkRest {

    /** @throws IOException when the document cannot be read (no answer, a non-200 status, not JSON) */
    JsonNode get(String path) throws IOException;

    /**
     * The REST API at {@code base}: the address the cluster reports it bound ({@code MiniCluster#getRestAddress}),
     * so a port chosen by the system (0) is read, never guessed.
     */
    static FlinkRest http(URI base) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ObjectMapper json = new ObjectMapper();
        String root = base.toString().replaceAll("/+$", "");
        return path -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(10)).GET().build();
            HttpResponse<String> r;
            try {
                r = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted reading " + request.uri(), e);
            }
            if (r.statusCode() != 200) throw new IOException(request.uri() + " answered " + r.statusCode() + ": " + r.body());
            return json.readTree(r.body());
        };
    }
}
