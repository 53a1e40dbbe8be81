package consumer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Runs the README's SDK snippet (compiled into {@link ReadmeSnippet} by consumer/run) in a folder
 * that holds {@code model.onnx} and {@code street.png}, as the snippet names them, on the centre
 * pixel of the image, and checks what it printed.
 */
public final class ConsumerCheck {
    private ConsumerCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of("street.png");
        if (!Files.isRegularFile(Path.of("model.onnx")) || !Files.isRegularFile(image)) {
            throw new IllegalStateException("run in a folder with model.onnx and street.png (consumer/run prepares one)");
        }
        BufferedImage img = ImageIO.read(image.toFile());
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        long start = System.nanoTime();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ReadmeSnippet.run(img.getWidth() / 2, img.getHeight() / 2, img);
        } finally {
            System.setOut(stdout);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        stdout.print(out);
        require(out.contains("group "), "the snippet printed the group evidence of the pixel", out);
        require(out.contains("ort-cpu"), "AUTO picked ONNX Runtime's CPU backend", out);
        require(out.contains("(CPU build)"), "the default runtime runs ONNX Runtime's CPU build", out);
        require(out.contains("frame 0: ") && out.contains("frame 1: "), "segmentFrames gave both frames in order", out);
        stdout.printf("consumer: the README snippet ran in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static void require(boolean ok, String what, String out) {
        if (!ok) {
            throw new AssertionError("expected: " + what + "; the snippet printed:\n" + out);
        }
    }
}
