package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupRef;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.FileDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code edit}: disabled parts, the card's edit history, the written model's outputs and every refusal. */
class EditCommandTest {
    @TempDir
    Path dir;

    @Test
    void disablesPrototypesAndGroupsRecordsWhyAndComputesTheCounterfactual() throws Exception {
        Path model = TestModels.random(dir, ModelKind.SCALEPROTOSEG);
        ModelCard card = ModelCard.read(model);
        ModelCard.Group rich = card.groups().stream().filter(g -> g.members().size() >= 2).findFirst().orElseThrow();
        int proto = rich.members().get(0).prototypeId();
        ModelCard.Group other = card.groups().stream().filter(g -> g.classId() != rich.classId()
                && card.groups().stream().filter(h -> h.classId() == g.classId()).count() > 1).findFirst().orElseThrow();
        GroupRef group = new GroupRef(other.classId(), other.index());
        Path out = dir.resolve("edited.onnx");
        Cli.Result r = Cli.run("edit", "--model", model, "--disable-prototype", proto, "--disable-group", group, "--reason",
                "fires on a text overlay", "--out", out);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("check:    3 generated images: logits equal the counterfactual of the original"), r::toString);

        ModelCard edited = ModelCard.read(out);
        assertEquals(1, edited.edits().size());
        ModelCard.Edit e = edited.edits().get(0);
        assertEquals("fires on a text overlay", e.reason());
        assertEquals(List.of(proto), e.prototypes());
        assertEquals(List.of(group.toString()), e.groups());
        assertEquals(FileDigest.sha256(model), e.sourceSha256());
        assertTrue(edited.groups().stream().noneMatch(g -> g.members().stream().anyMatch(m -> m.prototypeId() == proto)),
                "the prototype left every group");
        assertEquals(card.prototypes(), edited.prototypes(), "prototypes stay listed: ids are stable");

        // the written file, run independently of the command's own check, equals the original's counterfactual
        float[] img = GeneratedImages.image(80, 64, 77);
        try (Segmenter a = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build();
                Segmenter b = Segmenter.builder().model(out).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation s = a.segment(img, 80, 64);
            float[] expected = s.without(Set.of(proto), Set.of(group)).logits();
            float[] got = b.segment(img, 80, 64).logits();
            double max = 0;
            for (float v : expected) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5 * max);
            }
        }

        // a second edit names parts by the same ids and grows the history; info shows it
        Path twice = dir.resolve("twice.onnx");
        int another = rich.members().get(1).prototypeId();
        Cli.Result r2 = Cli.run("edit", "--model", out, "--disable-prototype", another, "--reason", "second look", "--out",
                twice, "--allow-empty");
        assertEquals(0, r2.exit(), r2::toString);
        ModelCard card2 = ModelCard.read(twice);
        assertEquals(2, card2.edits().size());
        assertEquals(FileDigest.sha256(out), card2.edits().get(1).sourceSha256());
        Cli.Result info = Cli.run("info", twice);
        assertTrue(info.out().contains("edits:          2, oldest first"), info::toString);
        assertTrue(info.out().contains("disabled prototype " + proto + "; group " + group + "; reason: fires on a text overlay"),
                info::toString);
        assertFalse(Cli.run("info", "--json", model).out().contains("\"edits\""), "an unedited card has no edit history");
    }

    @Test
    void refusalsSayWhyAndWriteNothing() throws Exception {
        Path model = TestModels.random(dir, ModelKind.SCALEPROTOSEG);
        ModelCard card = ModelCard.read(model);
        ModelCard.Group g = card.groups().get(0);
        Path out = dir.resolve("out.onnx");
        String[] members = g.members().stream().map(m -> String.valueOf(m.prototypeId())).toArray(String[]::new);
        assertRefused("group " + g.classId() + ":" + g.index() + " of class " + card.className(g.classId()) + " would have no "
                + "prototype left: its activation would be exp(0) = 1 everywhere", "--model", model, "--disable-prototype",
                String.join(",", members), "--reason", "r", "--out", out);
        List<String> allGroups = card.groups().stream().filter(x -> x.classId() == 0).map(x -> x.classId() + ":" + x.index())
                .toList();
        Object[] args = {"--model", model, "--reason", "r", "--out", out};
        for (String ref : allGroups) {
            args = append(args, "--disable-group", ref);
        }
        assertRefused("class 0 (" + card.className(0) + ") would have no group of its own left", args);
        assertRefused("prototype 99999 is not in", "--model", model, "--disable-prototype", 99999, "--reason", "r", "--out", out);
        assertRefused("group 0:99 is not in", "--model", model, "--disable-group", "0:99", "--reason", "r", "--out", out);
        assertRefused("nothing to disable", "--model", model, "--reason", "r", "--out", out);
        assertRefused("--out is --model", "--model", model, "--disable-group", "0:0", "--reason", "r", "--out", model);
        Path deeplab = TestModels.random(dir.resolve("dl"), ModelKind.DEEPLABV2);
        assertRefused("is a deeplabv2 (black-box) model", "--model", deeplab, "--disable-prototype", 0, "--reason", "r",
                "--out", out);
        Path protoseg = TestModels.random(dir.resolve("ps"), ModelKind.PROTOSEG);
        assertRefused("which has no groups", "--model", protoseg, "--disable-group", "0:0", "--reason", "r", "--out", out);
        assertFalse(Files.exists(out), "nothing written");
        Files.writeString(out, "x");
        assertRefused("exists; pass --overwrite", "--model", model, "--disable-group", "0:0", "--reason", "r", "--out", out);
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("edit-check")), "no temporary left");
        }
    }

    private static Object[] append(Object[] a, Object... more) {
        Object[] out = new Object[a.length + more.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    private static void assertRefused(String fragment, Object... args) {
        Cli.Result r = Cli.run(append(new Object[] {"edit"}, args));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains(fragment), "'" + fragment + "' in " + r);
    }
}
