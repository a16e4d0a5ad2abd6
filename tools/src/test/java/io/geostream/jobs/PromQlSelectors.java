package io.geostream.jobs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names and label names a PromQL expression (a Grafana panel's query) refers to, for checking them against
 * what the job exports: each vector selector {@code name{label="v", ...}} with the labels it matches on, and the labels
 * of {@code by (...)}, {@code without (...)}, {@code on (...)}, {@code ignoring (...)} groupings. Function and
 * aggregation names (an identifier followed by "("), keywords, numbers, durations and range brackets
 * ({@code [$__rate_interval]}), string literals and Grafana variables are not metric names. Enough PromQL for
 * dashboards; it does not evaluate anything. Grafana's {@code label_values(metric, label)} variable query is read too.
 */
final class PromQlSelectors {
    /** A vector selector: the metric name and the label names of its matchers. */
    record Selector(String metric, Set<String> labels) {}

    /** What an expression refers to. */
    record Refs(List<Selector> selectors, Set<String> groupingLabels) {}

    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan", "atan2");
    private static final Pattern AGGREGATION_MODIFIER = Pattern.compile("(?i)(by|without)\\s*\\(");
    private static final Pattern MATCHER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\(\\s*(.+?)\\s*,\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)\\s*$");

    private PromQlSelectors() {}

    /** The refs of a Grafana variable query {@code label_values(<selector>, label)}: the selector's, the label as grouping. */
    static Refs ofVariableQuery(String query) {
        Matcher m = LABEL_VALUES.matcher(query);
        if (!m.matches()) throw new IllegalArgumentException("not a label_values(metric, label) query: " + query);
        Refs inner = of(m.group(1));
        Set<String> labels = new LinkedHashSet<>(inner.groupingLabels());
        labels.add(m.group(2));
        return new Refs(inner.selectors(), labels);
    }

    static Refs of(String expr) {
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        int i = 0;
        int n = expr.length();
        int depth = 0;
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '[') {
                i = closing(expr, i, '[', ']') + 1; // range or subquery: durations and variables only
            } else if (c == '{') {
                // A selector without a name ({__name__=...}) would need more than this; dashboards here name their metric.
                throw new IllegalArgumentException("selector without a metric name at " + i + ": " + expr);
            } else if (Character.isDigit(c) || c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1))) {
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.' || expr.charAt(i) == '_')) i++;
            } else if (c == '$') {
                i++;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_')) i++;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) i++;
                String word = expr.substring(start, i);
                int next = skipSpace(expr, i);
                // an aggregation is also written "sum by (labels) (expr)"
                boolean call = next < n && expr.charAt(next) == '(' || AGGREGATION_MODIFIER.matcher(expr).region(next, n).lookingAt();
                if (GROUPING.contains(word.toLowerCase())) {
                    if (call) {
                        int end = closing(expr, next, '(', ')');
                        for (String l : expr.substring(next + 1, end).split(",")) if (!l.isBlank()) grouping.add(l.strip());
                        i = end + 1;
                    }
                } else if (call || KEYWORDS.contains(word.toLowerCase())) {
                    // a function or aggregation, or an operator word
                } else {
                    Set<String> labels = new LinkedHashSet<>();
                    if (next < n && expr.charAt(next) == '{') {
                        int end = closing(expr, next, '{', '}');
                        Matcher m = MATCHER.matcher(withoutStrings(expr.substring(next + 1, end)));
                        while (m.find()) labels.add(m.group(1));
                        i = end + 1;
                    }
                    selectors.add(new Selector(word, labels));
                }
            } else {
                if (c == '(') depth++;
                if (c == ')' && --depth < 0) throw new IllegalArgumentException("unbalanced ')' at " + i + ": " + expr);
                i++;
            }
        }
        if (depth != 0) throw new IllegalArgumentException("unbalanced '(': " + expr);
        return new Refs(selectors, grouping);
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        return i;
    }

    private static int skipString(String s, int i) {
        char quote = s.charAt(i);
        for (int j = i + 1; j < s.length(); j++) {
            if (s.charAt(j) == '\\' && quote != '`') j++;
            else if (s.charAt(j) == quote) return j + 1;
        }
        throw new IllegalArgumentException("unterminated string at " + i + ": " + s);
    }

    /** The index of the bracket closing the one at {@code open}, strings skipped. */
    private static int closing(String s, int open, char o, char c) {
        int depth = 0;
        for (int j = open; j < s.length(); ) {
            char ch = s.charAt(j);
            if (ch == '"' || ch == '\'' || ch == '`') {
                j = skipString(s, j);
                continue;
            }
            if (ch == o) depth++;
            if (ch == c && --depth == 0) return j;
            j++;
        }
        throw new IllegalArgumentException("unbalanced '" + o + "' at " + open + ": " + s);
    }

    private static String withoutStrings(String s) {
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < s.length(); ) {
            char ch = s.charAt(j);
            if (ch == '"' || ch == '\'' || ch == '`') {
                j = skipString(s, j);
                b.append("\"\"");
            } else {
                b.append(ch);
                j++;
            }
        }
        return b.toString();
    }
}
