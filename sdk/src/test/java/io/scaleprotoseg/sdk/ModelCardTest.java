package io.scaleprotoseg.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The card round-trips through JSON and rejects every inconsistency with a message naming it. */
class ModelCardTest {
    static final String PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

    static ModelCard card(UnaryOperator<List<ModelCard.Prototype>> protos, List<ModelCard.Group> groups) {
        List<ModelCard.Prototype> p = new ArrayList<>(List.of(
                new ModelCard.Prototype(10, 0, 0, new ModelCard.Source("img1", 2, 3, List.of(8, 16, 40, 48)), PNG_1X1),
                new ModelCard.Prototype(11, 1, 0, null, null),
                new ModelCard.Prototype(20, 0, 1, null, null)));
        return new ModelCard(1, ModelKind.SCALEPROTOSEG,
                List.of(new ModelCard.ClassInfo(0, "road", "#804080"), new ModelCard.ClassInfo(1, "car", "#00008e")), 255,
                ModelCard.Normalization.imagenet(), 8, List.of(), List.of(new ModelCard.Scale(0, 6), new ModelCard.Scale(1, 12)),
                protos.apply(p), groups, 0.05,
                new ModelCard.Provenance("scenes", Map.of("warmup", 10), 7L, 0.5, Map.of("java", "17"), "2026-11-23", null));
    }

    static List<ModelCard.Group> groups() {
        return List.of(new ModelCard.Group(0, 0, List.of(new ModelCard.Member(10, 0.6), new ModelCard.Member(20, 0.4))),
                new ModelCard.Group(1, 0, List.of(new ModelCard.Member(11, 1.0))));
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        ModelCard c = card(p -> p, groups());
        ModelCard back = ModelCard.fromJson(c.toJson(), "test");
        assertEquals(c, back);
        assertEquals("car", back.className(1));
        assertEquals(0x00008e, back.classes().get(1).rgb());
        assertNotNull(back.prototypes().get(0).patchImage(), "the patch decodes");
        assertEquals(1, back.prototypes().get(0).patchImage().getWidth());
        assertEquals(List.of(8, 16, 40, 48), back.prototypes().get(0).source().box());
    }

    @Test
    void classSynonymsRoundTripAndAreAbsentFromTheJsonWhenEmpty() throws Exception {
        ModelCard plain = card(p -> p, groups());
        assertTrue(!plain.toJson().contains("synonyms"), "a card without synonyms is written as before");
        List<ModelCard.ClassInfo> named = List.of(new ModelCard.ClassInfo(0, "person", "#804080",
                List.of("person", "individual", "someone")), new ModelCard.ClassInfo(1, "car", "#00008e"));
        ModelCard c = new ModelCard(plain.formatVersion(), plain.method(), named, plain.ignoreLabel(), plain.normalization(),
                plain.outputStride(), plain.mscScales(), plain.scales(), plain.prototypes(), plain.groups(), plain.threshold(),
                plain.provenance());
        ModelCard back = ModelCard.fromJson(c.toJson(), "test");
        assertEquals(List.of("person", "individual", "someone"), back.classes().get(0).synonyms());
        assertEquals(List.of(), back.classes().get(1).synonyms());
        assertEquals(c, back);
    }

    @Test
    void unknownFieldsOfTheSameVersionAreIgnored() throws Exception {
        String json = card(p -> p, groups()).toJson().replaceFirst("\\{", "{\"addedLater\":{\"x\":1},");
        assertEquals(2, ModelCard.fromJson(json, "test").numClasses());
    }

    private static void rejects(String fragment, ModelCard c) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelCard.fromJson(c.toJson(), "m.onnx"));
        assertEquals(ErrorCode.INVALID_CARD, e.code());
        assertTrue(e.getMessage().startsWith("m.onnx: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    @Test
    void inconsistentCardsAreRejected() {
        rejects("lists prototype id 10 twice", card(p -> {
            p.set(1, new ModelCard.Prototype(10, 1, 0, null, null));
            return p;
        }, groups()));
        rejects("has class 5", card(p -> {
            p.set(1, new ModelCard.Prototype(11, 5, 0, null, null));
            return p;
        }, groups()));
        rejects("ascending scale order", card(p -> {
            p.add(new ModelCard.Prototype(30, 1, 0, null, null));
            return p;
        }, groups()));
        rejects("names prototype 99", card(p -> p,
                List.of(new ModelCard.Group(0, 0, List.of(new ModelCard.Member(99, 1.0))))));
        rejects("weights summing to", card(p -> p,
                List.of(new ModelCard.Group(0, 0, List.of(new ModelCard.Member(10, 0.8), new ModelCard.Member(20, 0.8))))));
        rejects("no groups", card(p -> p, List.of()));
        rejects("patch that is not base64", card(p -> {
            p.set(1, new ModelCard.Prototype(11, 1, 0, null, "%%%"));
            return p;
        }, groups()));
    }

    @Test
    void badColoursAndClassIdsAreRejected() {
        ModelCard c = card(p -> p, groups());
        rejects("expected #RRGGBB", new ModelCard(1, c.method(), List.of(new ModelCard.ClassInfo(0, "road", "red"),
                c.classes().get(1)), 255, null, 8, null, c.scales(), c.prototypes(), c.groups(), null, null));
        rejects("ids must be 0..C-1", new ModelCard(1, c.method(), List.of(c.classes().get(1), c.classes().get(0)), 255,
                null, 8, null, c.scales(), c.prototypes(), c.groups(), null, null));
    }

    @Test
    void malformedJsonAndVersionsSayWhatToDo() {
        ModelFormatException bad = assertThrows(ModelFormatException.class, () -> ModelCard.fromJson("{oops", "m.onnx"));
        assertEquals(ErrorCode.INVALID_CARD, bad.code());
        ModelFormatException newer = assertThrows(ModelFormatException.class,
                () -> ModelCard.fromJson("{\"formatVersion\":2}", "m.onnx"));
        assertEquals(ErrorCode.UNSUPPORTED_CARD_VERSION, newer.code());
        assertTrue(newer.getMessage().contains("upgrade scaleprotoseg-sdk"), newer.getMessage());
        ModelFormatException older = assertThrows(ModelFormatException.class,
                () -> ModelCard.fromJson("{\"formatVersion\":0}", "m.onnx"));
        assertTrue(older.getMessage().contains("re-export"), older.getMessage());
    }

    @Test
    void patchBytesAreThePng() {
        assertEquals((byte) 0x89, card(p -> p, groups()).prototypes().get(0).patchBytes()[0]);
        assertEquals(Base64.getDecoder().decode(PNG_1X1).length, card(p -> p, groups()).prototypes().get(0).patchBytes().length);
    }
}
