package io.geostream.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geostream.testing.HeadlessChromium;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What a demo's {@code report/index.html} must show, checked in headless Chromium ({@link HeadlessChromium}). */
public final class ReportAssertions {
    private ReportAssertions() {}

    /**
     * @param outDir  the demo's output directory (summary.json, report/index.html)
     * @param streams the streams that must each have a section
     * @param truth   whether the streams have truth (charts against it) or not (the page must say so)
     */
    public static void assertReportRenders(Path outDir, Collection<String> streams, boolean truth) throws Exception {
        Path page = outDir.resolve("report").resolve("index.html");
        String html = Files.readString(page, StandardCharsets.UTF_8);
        // Self-contained: nothing to fetch, so nothing names a remote address or a file beside it.
        assertThat(html).doesNotContain("http://", "https://", "src=\"//", "<link", "<script", "url(");
        Optional<Path> chromium = HeadlessChromium.find();
        if (chromium.isEmpty()) return;
        Document dom = HeadlessChromium.render(chromium.get(), page);
        assertThat(dom.body().attr("data-fetched")).as("resources the page fetched").isEmpty();
        assertThat(dom.select("img")).allSatisfy(img -> assertThat(img.attr("src")).startsWith("data:image/"));

        for (String stream : streams) {
            Element section = dom.selectFirst("section.stream[data-stream=" + stream + "]");
            assertThat(section).as("section of %s", stream).isNotNull();
            assertThat(HeadlessChromium.decodedImages(section, "img.plot")).as("trajectory charts of %s", stream)
                    .hasSize(truth ? 2 : 1);
            assertThat(HeadlessChromium.decodedImages(section, "img.thumb.depth")).as("depth thumbnails of %s", stream).isNotEmpty();
            assertThat(HeadlessChromium.decodedImages(section, "img.thumb.normals")).as("normal thumbnails of %s", stream).isNotEmpty();
            assertThat(HeadlessChromium.decodedImages(section, "img.thumb")).hasSizeGreaterThanOrEqualTo(3);
            assertThat(HeadlessChromium.decodedImages(section, "img.map")).as("map top view of %s", stream).isNotEmpty();
            assertThat(section.select(".no-truth")).as("the 'no truth' note of %s", stream).hasSize(truth ? 0 : 1);
        }
        // The figures of summary.json, as the file has them.
        JsonNode summary = new ObjectMapper().readTree(outDir.resolve("summary.json").toFile());
        Element figures = dom.selectFirst("table.figures");
        assertThat(figures).isNotNull();
        for (String key : new String[] {"frames_in", "frames_out", "dead_letters", "ate_rmse_m"}) {
            Element row = figures.selectFirst("tr:has(th:containsOwn(" + key + "))");
            assertThat(row).as("row %s", key).isNotNull();
            assertThat(row.selectFirst("td").text()).as(key).isEqualTo(summary.path(key).asText());
        }
    }
}
