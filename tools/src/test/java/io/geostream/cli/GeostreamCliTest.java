package io.geostream.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Exit codes: 0 success, 1 failure, 2 usage error (no servers are started by these calls). */
class GeostreamCliTest {

    @Test
    void usageErrorsExitWith2() {
        assertThat(GeostreamCli.execute()).isEqualTo(2);
        assertThat(GeostreamCli.execute("no-such-command")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--streams", "0")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--frames", "many")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--clip-length", "8", "--clip-stride", "8")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "--model", "/no/such/package")).isEqualTo(2);
        assertThat(GeostreamCli.execute("demo", "-D", "geostream.no.such=1")).isEqualTo(2);
    }

    @Test
    void helpAndVersionExitWith0() {
        assertThat(GeostreamCli.execute("--help")).isZero();
        assertThat(GeostreamCli.execute("--version")).isZero();
        assertThat(GeostreamCli.execute("demo", "--help")).isZero();
    }

    /**
     * Picocli formats every description with {@code String.format}: a bare per-cent sign ("1 % slower") made `soak --help`
     * log "Could not format" and print the text unformatted. Each command's and option's description, as written in its
     * annotation (picocli's own accessors return the text after formatting), must format.
     */
    @Test
    void everyDescriptionIsAValidFormatString() {
        List<String> broken = new ArrayList<>();
        List<CommandLine> commands = new ArrayList<>(List.of(new CommandLine(new GeostreamCli())));
        int options = 0;
        for (int i = 0; i < commands.size(); i++) {
            CommandLine command = commands.get(i);
            commands.addAll(command.getSubcommands().values());
            List<String> texts = new ArrayList<>();
            for (Class<?> type = command.getCommandSpec().userObject().getClass(); type != null; type = type.getSuperclass()) {
                CommandLine.Command c = type.getAnnotation(CommandLine.Command.class);
                if (c != null) texts.addAll(List.of(c.description()));
                for (java.lang.reflect.Field field : type.getDeclaredFields()) {
                    CommandLine.Option o = field.getAnnotation(CommandLine.Option.class);
                    CommandLine.Parameters p = field.getAnnotation(CommandLine.Parameters.class);
                    if (o != null) texts.addAll(List.of(o.description()));
                    if (p != null) texts.addAll(List.of(p.description()));
                    if (o != null || p != null) options++;
                }
            }
            for (String text : texts) {
                try {
                    String.format(text.replace("${DEFAULT-VALUE}", "x"));
                } catch (java.util.IllegalFormatException e) {
                    broken.add(command.getCommandSpec().qualifiedName() + ": " + e + " in: " + text);
                }
            }
        }
        assertThat(commands.size()).isGreaterThan(5);
        assertThat(options).isGreaterThan(20);
        assertThat(broken).isEmpty();
    }
}
