package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's help renders cleanly: picocli reports format errors (an unescaped %) on System.err. */
class HelpRenderingTest {
    private static void collect(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, out);
        }
    }

    @Test
    void everyCommandsHelpAndUsageRenderWithoutAWarning() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new ScaleProtoSegCli()), all);
        assertTrue(all.size() > 10, "the root and its subcommands");
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (CommandLine cl : all) {
                String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
                assertFalse(usage.isBlank(), cl.getCommandName());
                assertFalse(usage.contains("%n"), cl.getCommandName() + ": a format string was left raw");
            }
        } finally {
            System.setErr(saved);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "picocli warnings while rendering help");
        // a usage error shows the same usage text
        Cli.Result r = Cli.run("export", "--no-such-option");
        assertEquals(2, r.exit());
        assertFalse(r.err().contains("WARN"), r::toString);
    }
}
