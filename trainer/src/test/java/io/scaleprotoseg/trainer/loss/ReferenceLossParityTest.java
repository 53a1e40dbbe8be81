package io.scaleprotoseg.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.reference.Npz;
import io.scaleprotoseg.trainer.reference.ReferenceFixtures;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The loss terms against the reference PyTorch implementation: each fixture of
 * {@code ../shared/fixtures/reference-losses} holds float32 inputs and the value and gradient the
 * reference computes from them (its README documents every array). Bounds are the fixtures':
 * value within 1e-5 relative, gradient within 1e-5 of the largest expected gradient, elementwise.
 * Each test prints the deviation it measured (the figures quoted in issue notes).
 */
class ReferenceLossParityTest extends DjlTestBase {
    private static final double VALUE_TOLERANCE = 1e-5;
    private static final double GRADIENT_TOLERANCE = 1e-5;

    private static Npz fixture(String name) throws Exception {
        Path dir = ReferenceFixtures.folder("reference-losses");
        return Npz.read(dir.resolve(name + ".npz"));
    }

    private static JsonNode meta(Npz npz) throws Exception {
        return new ObjectMapper().readTree(npz.get("meta").string());
    }

    /** The input as a natively owned float32 tensor that records its gradient. */
    private NDArray input(Npz.Array a) {
        NDArray x = OwnedTensors.of(manager, a.floats(), new Shape(a.shape()));
        x.setRequiresGradient(true);
        return x;
    }

    /** Runs {@code loss} on {@code x} under autograd; returns {value, gradient...} as doubles. */
    private static double[][] valueAndGradient(NDArray x, Function<NDArray, NDArray> loss) {
        double value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.apply(x);
            value = l.getFloat();
            gc.backward(l);
        }
        float[] g = x.getGradient().toFloatArray();
        double[] grad = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            grad[i] = g[i];
        }
        return new double[][] {{value}, grad};
    }

    /**
     * Asserts the fixtures' bounds and prints the measured deviation.
     *
     * @param mask where gradients are compared (null: everywhere)
     */
    private static void assertParity(String name, Npz npz, double[][] actual, String gradName, double[] mask) {
        double expected = npz.get("expected_value").doubles()[0];
        double relValue = Math.abs(actual[0][0] - expected) / Math.max(Math.abs(expected), Double.MIN_NORMAL);
        assertTrue(relValue <= VALUE_TOLERANCE, name + ": value " + actual[0][0] + " vs reference " + expected
                + " (relative " + relValue + ")");
        double[] eg = npz.get(gradName).doubles();
        assertEquals(eg.length, actual[1].length, name + ": gradient size");
        double maxAbs = 0;
        for (int i = 0; i < eg.length; i++) {
            if (mask == null || mask[i] != 0) {
                maxAbs = Math.max(maxAbs, Math.abs(eg[i]));
            }
        }
        assertTrue(maxAbs > 0, name + ": the reference gradient is not all zero (the fixture tests something)");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < eg.length; i++) {
            if (mask != null && mask[i] == 0) {
                continue;
            }
            double dev = Math.abs(actual[1][i] - eg[i]);
            if (dev > worst) {
                worst = dev;
                at = i;
            }
        }
        double relGrad = worst / maxAbs;
        assertTrue(relGrad <= GRADIENT_TOLERANCE, name + ": gradient element " + at + " is " + (at < 0 ? 0 : actual[1][at])
                + " vs reference " + (at < 0 ? 0 : eg[at]) + " (" + relGrad + " of the largest gradient)");
        System.out.printf(Locale.ROOT, "reference parity %-20s value %.3e relative, gradient %.3e of max |grad|%n", name,
                relValue, relGrad);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce-17x17", "ce-9x13"})
    void crossEntropyMatchesTheReference(String name) throws Exception {
        Npz npz = fixture(name);
        int ignore = meta(npz).get("ignore").asInt();
        int[] labels = npz.get("labels").ints();
        double[][] r = valueAndGradient(input(npz.get("logits")), x -> CrossEntropyLoss.compute(x, labels, ignore));
        assertParity(name, npz, r, "expected_grad_logits", null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce-allvoid"})
    void anAllVoidBatchGivesZeroLossAndZeroGradientWhereTheReferenceGivesNaN(String name) throws Exception {
        Npz npz = fixture(name);
        assertTrue(Double.isNaN(npz.get("expected_value").doubles()[0]), "the reference's 0/0");
        int[] labels = npz.get("labels").ints();
        int ignore = meta(npz).get("ignore").asInt();
        for (int l : labels) {
            assertEquals(ignore, l);
        }
        double[][] r = valueAndGradient(input(npz.get("logits")), x -> CrossEntropyLoss.compute(x, labels, ignore));
        assertEquals(0.0, r[0][0], "METHOD.md 2: no labelled cell, no loss");
        for (double g : r[1]) {
            assertEquals(0.0, g, "and no gradient");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"kld-sps-9x9-push", "kld-sps-9x13-push", "kld-sps-17x17-init", "kld-ps-17x17"})
    void diversityMatchesTheReference(String name) throws Exception {
        Npz npz = fixture(name);
        int scales = meta(npz).get("scales").asInt();
        int[] classes = npz.get("classes").ints();
        int[] protoScales = npz.get("proto_scales").ints();
        int[] ids = new int[classes.length];
        for (int j = 0; j < ids.length; j++) {
            ids[j] = j;
        }
        PrototypeTable table = new PrototypeTable(ids, classes, protoScales);
        int[] labels = npz.get("labels").ints();
        double[][] r = valueAndGradient(input(npz.get("distances")),
                x -> JeffreysDiversityLoss.compute(x, labels, table, scales));
        assertParity(name, npz, r, "expected_grad_distances", null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ent-city", "ent-dedup"})
    void groupEntropyMatchesTheReference(String name) throws Exception {
        Npz npz = fixture(name);
        int[] rowCounts = npz.get("row_counts").ints();
        double[][] r = valueAndGradient(input(npz.get("weights")),
                x -> GroupEntropyLoss.compute(x, rowCounts, manager));
        // off-class entries are zeroed by the simplex projection after every step: their gradient is free
        assertParity(name, npz, r, "expected_grad_weights", npz.get("expected_in_class_mask").doubles());
    }

    @ParameterizedTest
    @ValueSource(strings = {"l1-stage1", "l1-group"})
    void offClassL1MatchesTheReference(String name) throws Exception {
        Npz npz = fixture(name);
        int[] columnClasses = npz.get("column_classes").ints();
        double[][] r = valueAndGradient(input(npz.get("weight")), x -> OffClassL1.compute(x, columnClasses, manager));
        assertParity(name, npz, r, "expected_grad_weight", null);
    }
}
