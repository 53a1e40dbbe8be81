package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input gets a typed error with a message naming the culprit and the remedy. */
class BadInputTest {
    @TempDir
    Path dir;

    private Path good;
    private OnnxMl.ModelProto proto;

    @BeforeEach
    void writeModel() throws Exception {
        proto = InferenceGraphWriter.build(TestModels.model(ModelKind.SCALEPROTOSEG, 51));
        good = dir.resolve("good.onnx");
        Files.write(good, proto.toByteArray());
    }

    private Segmenter open(Path model) throws ScaleProtoSegException {
        return Segmenter.builder().model(model).backend(Backend.ORT_CPU).build();
    }

    private static <T extends ScaleProtoSegException> T expect(Class<T> type, ErrorCode code, String fragment,
            Executable call) {
        T e = assertThrows(type, call);
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should contain '" + fragment + "'");
        return e;
    }

    @Test
    void aFileThatIsNotOnnx() throws Exception {
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "this is not a model\n".repeat(20));
        ModelFormatException e = expect(ModelFormatException.class, ErrorCode.NOT_ONNX, "is not an ONNX model", () -> open(text));
        assertTrue(e.getMessage().contains(text.toString()), "names the file");
    }

    @Test
    void aMissingModelFile() {
        Path missing = dir.resolve("nowhere.onnx");
        expect(ModelFormatException.class, ErrorCode.MODEL_UNREADABLE, missing.toString(), () -> open(missing));
    }

    @Test
    void anOnnxModelWithoutACard() throws Exception {
        Path p = dir.resolve("nocard.onnx");
        Files.write(p, proto.toBuilder().clearMetadataProps().build().toByteArray());
        expect(ModelFormatException.class, ErrorCode.MISSING_CARD, "'scaleprotoseg.card'", () -> open(p));
    }

    @Test
    void aCardOfUnknownVersion() throws Exception {
        String json = proto.getMetadataProps(0).getValue().replace("\"formatVersion\":1", "\"formatVersion\":99");
        Path p = dir.resolve("v99.onnx");
        Files.write(p, proto.toBuilder().setMetadataProps(0, OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(ModelCard.METADATA_KEY).setValue(json)).build().toByteArray());
        expect(ModelFormatException.class, ErrorCode.UNSUPPORTED_CARD_VERSION, "format version 99 is not supported",
                () -> open(p));
    }

    @Test
    void aModelMissingARequiredOutput() throws Exception {
        OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getOutputCount(); i++) {
            if (g.getOutput(i).getName().equals("group_activations")) {
                g.removeOutput(i);
                break;
            }
        }
        Path p = dir.resolve("nogroups.onnx");
        Files.write(p, proto.toBuilder().setGraph(g).build().toByteArray());
        expect(ModelFormatException.class, ErrorCode.CONTRACT_VIOLATION, "lacks the output 'group_activations'", () -> open(p));
    }

    @Test
    void groupWeightsThatDisagreeWithTheCard() throws Exception {
        OnnxMl.GraphProto.Builder g = proto.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("group_weights")) {
                byte[] raw = g.getInitializer(i).getRawData().toByteArray();
                raw[2] ^= 0x40;
                g.setInitializer(i, g.getInitializer(i).toBuilder().setRawData(ByteString.copyFrom(raw)));
            }
        }
        Path p = dir.resolve("tampered.onnx");
        Files.write(p, proto.toBuilder().setGraph(g).build().toByteArray());
        expect(ModelFormatException.class, ErrorCode.INVALID_CARD, "modified after export", () -> open(p));
    }

    @Test
    void zeroSizeImages() throws Exception {
        try (Segmenter seg = open(good)) {
            expect(InvalidImageException.class, ErrorCode.EMPTY_IMAGE, "has no pixels", () -> seg.segment(new float[0], 0, 5));
        }
    }

    @Test
    void anImageOverThePixelLimit() throws Exception {
        try (Segmenter seg = Segmenter.builder().model(good).backend(Backend.ORT_CPU).maxPixels(1000).build()) {
            expect(InvalidImageException.class, ErrorCode.IMAGE_TOO_LARGE, "over the limit of 1000",
                    () -> seg.segment(new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB)));
            Path png = dir.resolve("big.png");
            ImageIO.write(new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
            InvalidImageException e = expect(InvalidImageException.class, ErrorCode.IMAGE_TOO_LARGE, "maxPixels",
                    () -> seg.segment(png));
            assertTrue(e.getMessage().contains(png.toString()), e.getMessage());
        }
    }

    @Test
    void unreadableAndTruncatedImageFiles() throws Exception {
        BufferedImage img = ImageFixtures.rgb(TestModels.image(64, 48, 3), 64, 48);
        try (Segmenter seg = open(good)) {
            Path garbage = dir.resolve("garbage.png");
            Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
            expect(InvalidImageException.class, ErrorCode.UNREADABLE_IMAGE, "garbage.png", () -> seg.segment(garbage));
            for (String format : new String[] {"png", "jpg"}) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ImageIO.write(img, format, bytes);
                byte[] all = bytes.toByteArray();
                Path cut = dir.resolve("cut." + format);
                Files.write(cut, Arrays.copyOf(all, all.length * 2 / 3));
                expect(InvalidImageException.class, ErrorCode.UNREADABLE_IMAGE, "truncated or corrupt", () -> seg.segment(cut));
                Path whole = dir.resolve("whole." + format);
                Files.write(whole, all);
                assertEquals(64 * 48, seg.segment(whole).mask().length, "the complete " + format + " file reads");
            }
            Path missing = dir.resolve("missing.png");
            expect(InvalidImageException.class, ErrorCode.UNREADABLE_IMAGE, "does not exist", () -> seg.segment(missing));
        }
    }

    @Test
    void aFloatArrayOfTheWrongShapeOrWithNaN() throws Exception {
        try (Segmenter seg = open(good)) {
            expect(InvalidImageException.class, ErrorCode.BAD_INPUT_ARRAY, "needs 3*10*8 = 240",
                    () -> seg.segment(new float[239], 10, 8));
            float[] nan = new float[240];
            nan[3 * 10 + 2] = Float.NaN;
            expect(InvalidImageException.class, ErrorCode.BAD_INPUT_ARRAY, "pixel (2, 3)", () -> seg.segment(nan, 10, 8));
        }
    }

    @Test
    void evidenceOnABlackBoxModelIsRefusedAtBuild() throws Exception {
        Path p = TestModels.write(TestModels.model(ModelKind.DEEPLABV2, 52), dir, "dl");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Segmenter.builder().model(p).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build());
        assertTrue(e.getMessage().contains("Evidence.NONE"), e.getMessage());
    }

    @Test
    void builderNamesTheMissingOrWrongSetting() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Segmenter.builder().build());
        assertTrue(none.getMessage().contains("model(Path)"), none.getMessage());
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> Segmenter.builder().model(good).intraOpThreads(-1).build());
        assertTrue(threads.getMessage().contains("intraOpThreads"), threads.getMessage());
    }
}
