package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Constants and parameters stay valid while the garbage collector reclaims Java buffers. */
class OwnedTensorsTest {
    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    /** Collects garbage and refills freed native memory with other bytes, several times. */
    private static void churn() throws InterruptedException {
        for (int round = 0; round < 10; round++) {
            System.gc();
            for (int i = 0; i < 200; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 8));
                while (b.hasRemaining()) {
                    b.put((byte) 0x7f);
                }
            }
            Thread.sleep(2);
        }
    }

    @Test
    void theBackwardPassSeesTheConstantsOfTheForwardPassAfterCollections() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = OwnedTensors.of(m, new float[] {1, 2, 3, 4}, new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = OwnedTensors.dividedBy(OwnedTensors.times(OwnedTensors.plus(x, 0.5), 3), -4).sum();
                churn();
                gc.backward(y);
            }
            // d/dx sum((x + 0.5) * 3 / -4) = -0.75 for every element
            assertArrayEquals(new float[] {-0.75f, -0.75f, -0.75f, -0.75f}, x.getGradient().toFloatArray());
        }
    }

    @Test
    void aScalarHasTheValueAndTypeAsked() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = OwnedTensors.of(m, new float[] {2}, new Shape(1));
            NDArray k = OwnedTensors.scalar(x, 0.25);
            assertEquals(0, k.getShape().dimension());
            assertEquals(x.getDataType(), k.getDataType());
            assertEquals(0.25f, k.getFloat());
        }
    }

    @Test
    void settingAParameterWritesInPlaceSoEarlierViewsSeeTheNewValues() throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ParameterSet p = new ParameterSet(m)) {
            float[] ones = new float[1024];
            Arrays.fill(ones, 1f);
            p.add("w", ParamGroup.PROTOTYPES, ones, 32, 32);
            NDArray view = p.get("w").reshape(1024);
            float[] twos = new float[1024];
            Arrays.fill(twos, 2f);
            p.set("w", twos);
            churn();
            assertArrayEquals(twos, view.toFloatArray());
            assertArrayEquals(twos, p.floats("w"));
        }
    }
}
