package io.geostream.jobs;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the dashboard check reads from a PromQL query: metric names and the labels they are matched or grouped on. */
class PromQlSelectorsTest {

    @Test
    void selectorsLabelsAndGroupingsAreFoundFunctionsKeywordsAndDurationsAreNot() {
        var refs = PromQlSelectors.of("sum by (operator_name, rejected) (rate(flink_x_rejected_count{rejected!=\"a,b}\"}"
                + "[$__rate_interval])) / on() group_left max(flink_y{quantile=\"0.95\", camera=~\"$camera\"} offset 5m) "
                + "and ignoring(camera) 2 * flink_z[1h:5m] > bool 1e3");
        assertThat(refs.selectors()).containsExactly(
                new PromQlSelectors.Selector("flink_x_rejected_count", Set.of("rejected")),
                new PromQlSelectors.Selector("flink_y", Set.of("quantile", "camera")),
                new PromQlSelectors.Selector("flink_z", Set.of()));
        assertThat(refs.groupingLabels()).containsExactlyInAnyOrder("operator_name", "rejected", "camera");
        assertThat(PromQlSelectors.of("max by (task_name) (flink_a) / 1000").selectors())
                .extracting(PromQlSelectors.Selector::metric).containsExactly("flink_a");
        assertThat(PromQlSelectors.of("sum(increase(m_total{camera=~\"$camera\"}[1h])) by (camera)").groupingLabels()).containsExactly("camera");
    }

    @Test
    void grafanaVariableQueries() {
        var refs = PromQlSelectors.ofVariableQuery("label_values(flink_c_framesOut, camera)");
        assertThat(refs.selectors()).extracting(PromQlSelectors.Selector::metric).containsExactly("flink_c_framesOut");
        assertThat(refs.groupingLabels()).containsExactly("camera");
        assertThatThrownBy(() -> PromQlSelectors.ofVariableQuery("query_result(up)")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PromQlSelectors.of("sum(rate(x[5m])")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PromQlSelectors.of("{__name__=~\"x\"}")).isInstanceOf(IllegalArgumentException.class);
    }
}
