package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.NativeLibrary;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.phase.Presets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which networks get oneDNN capped at AVX2, and that the process environment says so. */
class OneDnnIsaTest {
    @Test
    void theCpuPresetsHaveNarrowLayersAndThePapersNetworksDoNot() {
        for (ModelKind k : ModelKind.values()) {
            assertTrue(OneDnnIsa.hasNarrowLayer(Presets.get("scenes", k).network()), "scenes " + k + ": 8-channel stem");
            assertFalse(OneDnnIsa.hasNarrowLayer(Presets.get("cityscapes", k).network()), "cityscapes " + k);
            assertFalse(OneDnnIsa.hasNarrowLayer(Presets.get("em", k).network()), "em (U-Net) " + k);
        }
        NetworkConfig r18quarter = new NetworkConfig(ModelKind.SCALEPROTOSEG, ResNetLayout.Depth.R18, 4, 7, new int[] {1, 2},
                2, 16, 3, List.of());
        assertFalse(OneDnnIsa.hasNarrowLayer(r18quarter), "width divisor 4: 16 channels and up");
    }

    @Test
    void aValueInTheEnvironmentIsKeptAndIsWhatOneDnnReads() {
        String user = System.getenv(OneDnnIsa.ENV);
        assumeTrue(user != null, "the build sets " + OneDnnIsa.ENV + " for tests (pom.xml); not set in this JVM");
        assertEquals(user, OneDnnIsa.configureFor(Presets.get("scenes", ModelKind.SCALEPROTOSEG).network()));
        assertEquals(user, OneDnnIsa.configureFor(Presets.get("cityscapes", ModelKind.SCALEPROTOSEG).network()),
                "the first decision holds for the process");
        String seenByNativeCode = NativeLibrary.getInstance("c").getFunction("getenv")
                .invokeString(new Object[] {OneDnnIsa.ENV}, false);
        assertEquals(user, seenByNativeCode);
    }
}
