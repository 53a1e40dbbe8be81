package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code analyze} on tiny trained runs: every measure and picture, and a clear refusal for the black box. */
class AnalyzeCommandTest {
    @TempDir
    Path dir;

    private Path train(String name, String method) {
        List<Object> args = new ArrayList<>(List.of("train", "--out", dir.resolve(name), "--method", method));
        args.addAll(TrainCommandTest.TINY);
        Cli.Result r = Cli.run(args.toArray());
        assertEquals(0, r.exit(), r::toString);
        return dir.resolve(name);
    }

    @Test
    void analyzeWritesEveryMeasureAndAGroupGraphPerClass() throws Exception {
        Path run = train("sps", "scaleprotoseg");
        Path out = dir.resolve("analysis");
        Cli.Result r = Cli.run("analyze", "--run", run, "--out", out, "--images", 3, "--train-images", 4, "--top", 2);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("prototypes / group:") && r.out().contains("consistency:")
                && r.out().contains("group overlap (IoU):"), r::toString);
        JsonNode json = new ObjectMapper().readTree(out.resolve("analysis.json").toFile());
        assertEquals(3, json.get("images").asInt());
        assertEquals(4, json.get("scales").size());
        assertTrue(json.get("consistency").isNumber() && json.get("stability").isNumber());
        for (String f : new String[] {"scales.png", "nearest_patches.png", "nearest_prototypes.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 1000, f);
        }
        try (var files = Files.list(out)) {
            assertTrue(files.filter(p -> p.getFileName().toString().startsWith("group_graph_")).count() >= 5,
                    "a group graph for (nearly) every class");
        }
    }

    @Test
    void theBlackBoxHasNothingToAnalyse() {
        Path run = train("dl", "deeplabv2");
        Cli.Result r = Cli.run("analyze", "--run", run, "--out", dir.resolve("a"));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("deeplabv2 model: it has no prototypes to analyse"), r::toString);
    }
}
