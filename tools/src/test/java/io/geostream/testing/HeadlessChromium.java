package io.geostream.testing;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A page as Debian's {@code chromium} renders it headless: the DOM after load, with what the browser itself saw written
 * into it by a probe script appended to a copy of the page (the page under test has no script): each image's
 * {@code naturalWidth x naturalHeight} as {@code data-natural}, and on {@code body} {@code data-fetched}, the resources
 * the page fetched other than {@code data:} URIs (Resource Timing). The copy lies in a directory of its own, so a page
 * that needs a file beside it shows broken images.
 */
public final class HeadlessChromium {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String PROBE = "<script>window.addEventListener('load', () => {"
            + " for (const i of document.images) i.setAttribute('data-natural', i.naturalWidth + 'x' + i.naturalHeight);"
            + " document.body.setAttribute('data-fetched', performance.getEntriesByType('resource')"
            + "   .map(e => e.name).filter(n => !n.startsWith('data:')).join(' '));"
            + " document.body.setAttribute('data-probed', 'yes'); });</script>";

    private HeadlessChromium() {}

    /** The browser, or empty when it is not installed (CI installs it: .ci/run), so the caller can skip. */
    public static Optional<Path> find() {
        if (Files.isExecutable(CHROMIUM)) return Optional.of(CHROMIUM);
        if (System.getenv("CI") != null) throw new AssertionError("CI must provide chromium (.ci/run)");
        System.err.println("chromium not installed: skipping the headless browser check");
        return Optional.empty();
    }

    /**
     * Loads {@code page} (a copy of it with the probe) from disk and returns the DOM as {@code --dump-dom} gives it, after
     * the load event (so after every image has loaded or failed, and after the probe).
     */
    public static Document render(Path chromium, Path page) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("geostream-chromium-");
        try {
            String html = Files.readString(page, StandardCharsets.UTF_8);
            int end = html.lastIndexOf("</body>");
            assertThat(end).as("the page has a body").isPositive();
            Path copy = dir.resolve("page.html");
            Files.writeString(copy, html.substring(0, end) + PROBE + html.substring(end), StandardCharsets.UTF_8);
            Path dom = dir.resolve("dom.html");
            Process p = new ProcessBuilder(chromium.toString(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                    "--user-data-dir=" + dir.resolve("profile"), "--dump-dom", copy.toUri().toString())
                    .redirectOutput(dom.toFile()).redirectError(dir.resolve("chromium.log").toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish within 120 s");
            }
            assertThat(p.exitValue()).as("chromium's exit code (log: %s)", Files.readString(dir.resolve("chromium.log"))).isZero();
            Document doc = Jsoup.parse(dom.toFile(), "UTF-8");
            assertThat(doc.body().attr("data-probed")).as("the probe ran after the load event").isEqualTo("yes");
            return doc;
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The images matching {@code cssQuery}, each asserted decoded by the browser (natural size above zero). */
    public static List<Element> decodedImages(Element root, String cssQuery) {
        List<Element> images = root.select(cssQuery);
        for (Element img : images) {
            String[] size = img.attr("data-natural").split("x");
            assertThat(size).as("natural size of %s", img.attr("alt")).hasSize(2);
            assertThat(Integer.parseInt(size[0])).as("natural width of %s", img.attr("alt")).isPositive();
            assertThat(Integer.parseInt(size[1])).as("natural height of %s", img.attr("alt")).isPositive();
        }
        return images;
    }
}
