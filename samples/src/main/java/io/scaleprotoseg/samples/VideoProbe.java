package io.scaleprotoseg.samples;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;

import io.scaleprotoseg.samples.VideoInputException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVProbeData;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * What a video file holds, read with FFmpeg before any frame is decoded, and the typed refusal of
 * a file that cannot be segmented: not a video, truncated or damaged, no video stream, a codec this
 * FFmpeg build does not decode, no frames.
 *
 * @param file the file
 * @param format FFmpeg's name of the container (e.g. {@code mov,mp4,m4a,3gp,3g2,mj2})
 * @param codec FFmpeg's name of the video stream's codec (e.g. {@code h264})
 * @param width frame width
 * @param height frame height
 * @param frameRate frames per second (average; 0 when the container gives none)
 * @param declaredFrames the frame count the container declares, or -1 when it declares none
 * @param estimatedFrames frames expected from the duration and frame rate, or -1 when unknown
 */
record VideoProbe(Path file, String format, String codec, int width, int height, double frameRate, long declaredFrames,
        long estimatedFrames) {
    /** Bytes read to recognise a container by its content. */
    private static final int PROBE_BYTES = 1 << 16;
    /** Padding FFmpeg's probes may read past the buffer (AVPROBE_PADDING_SIZE). */
    private static final int PROBE_PADDING = 64;
    /**
     * A content match at least this sure (of 100) names the container; FFmpeg's own probing retries
     * below it (AVPROBE_SCORE_RETRY), and weak matches are what random bytes get.
     */
    private static final int SURE_SCORE = 26;

    /**
     * Probes {@code file}.
     *
     * @throws VideoInputException naming the file and the problem
     * @throws IOException when the file cannot be read at all
     */
    static VideoProbe of(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserError("--input " + file + ": no such file");
        }
        if (Files.size(file) == 0) {
            throw new VideoInputException(file, Problem.NOT_A_VIDEO, file + " is empty (0 bytes): not a video");
        }
        FfmpegLog.install();
        FfmpegLog.reset();
        // before FFmpeg opens it: opening a playlist already reads what it lists
        String[] sniffed = sniff(file, true);
        if (sniffed != null) {
            refuseReferencing(file, sniffed[0], sniffed[1]);
        }
        AVFormatContext oc = new AVFormatContext(null);
        try {
            int ret = avformat.avformat_open_input(oc, url(file), null, null);
            if (ret < 0) {
                throw unopenable(file);
            }
            refuseReferencing(file, oc.iformat().name().getString(), formatName(oc.iformat()));
            if (avformat.avformat_find_stream_info(oc, (PointerPointer<?>) null) < 0) {
                throw new VideoInputException(file, Problem.TRUNCATED, file + " is a " + formatName(oc.iformat())
                        + " file whose streams FFmpeg cannot read: it is truncated or damaged" + FfmpegLog.quoted());
            }
            AVStream video = null;
            List<String> others = new ArrayList<>();
            for (int i = 0; i < oc.nb_streams(); i++) {
                AVStream st = oc.streams(i);
                AVCodecParameters par = st.codecpar();
                boolean attachedPicture = (st.disposition() & avformat.AV_DISPOSITION_ATTACHED_PIC) != 0;
                if (par.codec_type() == AVMEDIA_TYPE_VIDEO && !attachedPicture) {
                    if (video == null) {
                        video = st;
                    }
                } else {
                    others.add(attachedPicture ? "cover picture" : mediaType(par.codec_type()) + " (" + codecName(par) + ")");
                }
            }
            if (video == null) {
                throw new VideoInputException(file, Problem.NO_VIDEO_STREAM, file + " holds no video stream"
                        + (others.isEmpty() ? " (no streams at all)" : " (its streams: " + String.join(", ", others) + ")")
                        + "; give a video file");
            }
            AVCodecParameters par = video.codecpar();
            if (avcodec.avcodec_find_decoder(par.codec_id()) == null) {
                throw new VideoInputException(file, Problem.UNSUPPORTED_CODEC, file + ": its video stream is in codec "
                        + codecName(par) + ", which this FFmpeg build cannot decode; convert the video to a common codec "
                        + "(H.264, VP9, AV1) first");
            }
            double fps = rate(video.avg_frame_rate());
            if (fps <= 0) {
                fps = rate(video.r_frame_rate());
            }
            long declared = video.nb_frames() > 0 ? video.nb_frames() : -1;
            double seconds = video.duration() != AV_NOPTS_VALUE && video.duration() > 0
                    ? video.duration() * rate(video.time_base())
                    : oc.duration() != AV_NOPTS_VALUE && oc.duration() > 0 ? oc.duration() / (double) AV_TIME_BASE : -1;
            long estimated = seconds > 0 && fps > 0 ? Math.round(seconds * fps) : -1;
            String codec = avcodec.avcodec_get_name(par.codec_id()).getString();
            return new VideoProbe(file, formatName(oc.iformat()), codec, par.width(), par.height(), fps, declared, estimated);
        } finally {
            if (!oc.isNull()) {
                avformat.avformat_close_input(oc);
            }
        }
    }

    /** The frames a complete file should give: the declared count, else the estimate, else -1. */
    long expectedFrames() {
        return declaredFrames >= 0 ? declaredFrames : estimatedFrames;
    }

    /** The URL FFmpeg opens: the absolute path under the file protocol (so that no ':' in a name reads as a protocol). */
    static String url(Path file) {
        return "file:" + file.toAbsolutePath();
    }

    /**
     * Whether FFmpeg recognises a media container in the file's content (its name is not looked at),
     * for inputs whose extension says neither image nor video.
     */
    static boolean looksLikeMedia(Path file) throws IOException {
        return containerOf(file) != null;
    }

    /** Why FFmpeg could not open the file: a recognised container is truncated or damaged, anything else is not a video. */
    private static VideoInputException unopenable(Path file) throws IOException {
        String container = containerOf(file);
        if (container == null) {
            return new VideoInputException(file, Problem.NOT_A_VIDEO, file + " is not a video: its content matches no "
                    + "container format FFmpeg reads");
        }
        return new VideoInputException(file, Problem.TRUNCATED, file + " is a " + container + " file that FFmpeg cannot "
                + "open: it is truncated or damaged" + FfmpegLog.quoted() + "; if it is still being written, wait until it is "
                + "complete");
    }

    /** The container FFmpeg recognises from the content alone (no file name), or null. */
    private static String containerOf(Path file) throws IOException {
        String[] f = sniff(file, false);
        return f == null ? null : f[1];
    }

    /**
     * FFmpeg demuxers that read other files or addresses named inside the input (playlists, concat
     * lists, manifests, session descriptions, image sequences): a video given to {@code segment} must
     * be the video itself, so that a crafted input cannot make FFmpeg read what it lists.
     */
    static final Set<String> REFERENCING_DEMUXERS = Set.of("hls", "concat", "dash", "imf", "sdp", "rtp", "rtsp", "image2",
            "webm_dash_manifest");

    /** Refuses a demuxer of {@link #REFERENCING_DEMUXERS} (its name may be a comma-separated list). */
    private static void refuseReferencing(Path file, String rawName, String displayName) {
        for (String n : rawName.split(",")) {
            if (REFERENCING_DEMUXERS.contains(n.strip())) {
                throw new VideoInputException(file, Problem.NOT_A_VIDEO, file + " is a " + displayName + ", which lists other "
                        + "files or addresses for FFmpeg to read; segment takes a video file itself, not a playlist, list or "
                        + "manifest (convert it to one video file first)");
            }
        }
    }

    /**
     * {raw demuxer name, display name} of the container recognised from the content (and, with
     * {@code withName}, the file name, as opening the file will), or null.
     */
    private static String[] sniff(Path file, boolean withName) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(PROBE_BYTES);
        }
        if (head.length == 0) {
            return null;
        }
        try (BytePointer buf = new BytePointer((long) head.length + PROBE_PADDING);
                BytePointer name = new BytePointer(withName ? url(file) : "")) {
            buf.zero();
            buf.put(head, 0, head.length);
            AVProbeData pd = new AVProbeData();
            pd.filename(name).buf(buf).buf_size(head.length);
            int[] score = new int[1];
            AVInputFormat f = avformat.av_probe_input_format3(pd, 1, score);
            pd.close();
            return f == null || f.isNull() || score[0] < SURE_SCORE ? null : new String[] {f.name().getString(), formatName(f)};
        }
    }

    private static String formatName(AVInputFormat f) {
        if (f == null || f.isNull()) {
            return "media";
        }
        BytePointer longName = f.long_name();
        String name = f.name().getString();
        return longName == null || longName.isNull() ? name : longName.getString() + " (" + name + ")";
    }

    private static String codecName(AVCodecParameters par) {
        String name = avcodec.avcodec_get_name(par.codec_id()).getString();
        int tag = par.codec_tag();
        if (tag == 0) {
            return "'" + name + "'";
        }
        StringBuilder fourcc = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int c = (tag >>> (8 * i)) & 0xff;
            fourcc.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return "'" + name + "' (tag " + fourcc + ")";
    }

    private static String mediaType(int type) {
        BytePointer p = org.bytedeco.ffmpeg.global.avutil.av_get_media_type_string(type);
        return p == null || p.isNull() ? "unknown" : p.getString().toLowerCase(Locale.ROOT);
    }

    private static double rate(AVRational r) {
        return r == null || r.den() == 0 ? 0 : r.num() / (double) r.den();
    }
}
