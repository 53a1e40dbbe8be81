package io.scaleprotoseg.torchfile;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An unpickler (protocols 0 to 5) that executes nothing. Pickles name Python callables with
 * {@code GLOBAL} and call them with {@code REDUCE}; here a call is allowed only to the few
 * functions PyTorch checkpoints need (tensor and parameter rebuilding, {@code OrderedDict},
 * {@code set}, ...), each implemented in Java. Creating an instance of any other class
 * ({@code NEWOBJ}, which is how nn.Modules are pickled) gives an inert {@link PyObject}; calling
 * any other global is refused with a {@link TorchFileException} naming it, before anything else
 * happens. Every length in the stream is checked against the bytes left before anything is
 * allocated.
 *
 * <p>Values: None is null, bool Boolean, int Long (BigInteger beyond 64 bits), float Double, str
 * String, bytes byte[], list a mutable List, tuple an unmodifiable List, dict {@link PyDict}, set
 * a Set. Not thread-safe; one instance reads one pickle.
 */
final class PickleReader {
    /** Resolves persistent ids ({@code BINPERSID}) to objects, i.e. storages. */
    interface PersistentLoader {
        Object load(Object pid) throws TorchFileException;
    }

    /** A global that may be called, with what the call does. */
    private enum Fn {
        REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE, REBUILD_FROM_TYPE_V2,
        ORDERED_DICT, SET, FROZENSET, RECONSTRUCTOR, CODECS_ENCODE, INERT
    }

    /** A global resolved against the allow-list. */
    private record Allowed(PyGlobal global, Fn fn) {
    }

    /** A storage class such as {@code torch.FloatStorage}, as persistent ids name it. */
    record StorageType(DType dtype, String name) {
    }

    private static final Map<String, Fn> ALLOWED = new HashMap<>();

    static {
        ALLOWED.put("torch._utils._rebuild_tensor_v2", Fn.REBUILD_TENSOR_V2);
        ALLOWED.put("torch._utils._rebuild_tensor", Fn.REBUILD_TENSOR);
        ALLOWED.put("torch._utils._rebuild_parameter", Fn.REBUILD_PARAMETER);
        ALLOWED.put("torch._utils._rebuild_parameter_with_state", Fn.REBUILD_PARAMETER_WITH_STATE);
        ALLOWED.put("torch._tensor._rebuild_from_type_v2", Fn.REBUILD_FROM_TYPE_V2);
        ALLOWED.put("collections.OrderedDict", Fn.ORDERED_DICT);
        ALLOWED.put("builtins.set", Fn.SET);
        ALLOWED.put("__builtin__.set", Fn.SET);
        ALLOWED.put("builtins.frozenset", Fn.FROZENSET);
        ALLOWED.put("__builtin__.frozenset", Fn.FROZENSET);
        ALLOWED.put("copy_reg._reconstructor", Fn.RECONSTRUCTOR);
        ALLOWED.put("copyreg._reconstructor", Fn.RECONSTRUCTOR);
        ALLOWED.put("_codecs.encode", Fn.CODECS_ENCODE);
        // values built by a call whose result is kept as an inert record of the call
        for (String inert : List.of("torch.device", "torch.Size", "numpy.dtype", "numpy.core.multiarray.scalar",
                "numpy._core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
                "numpy.ndarray", "builtins.slice", "__builtin__.slice")) {
            ALLOWED.put(inert, Fn.INERT);
        }
    }

    private static final int MAX_LINE = 4096;

    private final InputStream in;
    private final String source;
    private final PersistentLoader persistent;
    private long remaining;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * @param in the stream, positioned at the pickle
     * @param limit bytes the stream may still deliver (no length field may exceed it)
     * @param source what to call the pickle in messages (file and entry)
     */
    PickleReader(InputStream in, long limit, String source, PersistentLoader persistent) {
        this.in = in;
        this.remaining = limit;
        this.source = source;
        this.persistent = persistent;
    }

    /** Reads one pickle up to its STOP opcode and returns its object. */
    Object read() throws TorchFileException {
        try {
            while (true) {
                int op = u8();
                if (op == '.') {
                    Object v = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw bad("the pickle stops with " + stack.size() + " values left on its stack");
                    }
                    return v;
                }
                step(op);
            }
        } catch (EOFException e) {
            throw new TorchFileException(source + " ends in the middle of its pickle; the file is truncated", e);
        } catch (TorchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new TorchFileException(source + " cannot be read: " + e.getMessage(), e);
        } catch (ClassCastException | IndexOutOfBoundsException | IllegalArgumentException | ArithmeticException e) {
            throw bad("the pickle is malformed (" + e.getMessage() + ")");
        }
    }

    private void step(int op) throws IOException {
        switch (op) {
            case 0x80 -> { // PROTO
                int p = u8();
                if (p > 5) {
                    throw bad("pickle protocol " + p + " is newer than 5");
                }
            }
            case 0x95 -> bytes(8) // FRAME: a hint only
            ;
            case '(' -> marks.add(stack.size());
            case '0' -> pop();
            case '1' -> popMark();
            case '2' -> push(peek());
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'I' -> {
                String s = line();
                push(s.equals("00") ? Boolean.FALSE : s.equals("01") ? Boolean.TRUE : Long.parseLong(s.trim()));
            }
            case 'L' -> {
                String s = line().trim();
                push(normal(new BigInteger(s.endsWith("L") ? s.substring(0, s.length() - 1) : s)));
            }
            case 'J' -> push((long) le(4, true));
            case 'K' -> push((long) u8());
            case 'M' -> push(le(2, false));
            case 0x8a -> push(longBytes(u8()));
            case 0x8b -> push(longBytes(length(le(4, false))));
            case 'F' -> push(Double.parseDouble(line().trim()));
            case 'G' -> push(Double.longBitsToDouble(be8()));
            case 'S' -> push(unquote(line()));
            case 'T' -> push(new String(bytes(length(le(4, false))), StandardCharsets.ISO_8859_1));
            case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
            case 'V' -> push(line());
            case 'X' -> push(new String(bytes(length(le(4, false))), StandardCharsets.UTF_8));
            case 0x8c -> push(new String(bytes(u8()), StandardCharsets.UTF_8));
            case 0x8d -> push(new String(bytes(length(le(8, false))), StandardCharsets.UTF_8));
            case 'B' -> push(bytes(length(le(4, false))));
            case 'C' -> push(bytes(u8()));
            case 0x8e, 0x96 -> push(bytes(length(le(8, false))));
            case ']' -> push(new ArrayList<>());
            case 'l' -> push(new ArrayList<>(popMark()));
            case 'a' -> {
                Object v = pop();
                list(peek()).add(v);
            }
            case 'e' -> {
                List<Object> items = popMark();
                list(peek()).addAll(items);
            }
            case ')' -> push(tuple(List.of()));
            case 't' -> push(tuple(popMark()));
            case 0x85 -> push(tuple(popN(1)));
            case 0x86 -> push(tuple(popN(2)));
            case 0x87 -> push(tuple(popN(3)));
            case '}' -> push(new PyDict(false));
            case 'd' -> {
                List<Object> items = popMark();
                PyDict d = new PyDict(false);
                putAll(d, items);
                push(d);
            }
            case 's' -> {
                Object v = pop();
                Object k = pop();
                map(peek()).put(k, v);
            }
            case 'u' -> {
                List<Object> items = popMark();
                putAll(map(peek()), items);
            }
            case 0x8f -> push(new LinkedHashSet<>());
            case 0x90 -> {
                List<Object> items = popMark();
                set(peek()).addAll(items);
            }
            case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark())));
            case 'p' -> memo.put(Long.parseLong(line().trim()), peek());
            case 'q' -> memo.put((long) u8(), peek());
            case 'r' -> memo.put(le(4, false), peek());
            case 0x94 -> memo.put((long) memo.size(), peek());
            case 'g' -> push(memo(Long.parseLong(line().trim())));
            case 'h' -> push(memo(u8()));
            case 'j' -> push(memo(le(4, false)));
            case 'c' -> push(resolve(line(), line()));
            case 0x93 -> {
                Object name = pop();
                Object module = pop();
                push(resolve((String) module, (String) name));
            }
            case 'R' -> {
                List<Object> args = list(pop());
                Object callable = pop();
                push(call(callable, args));
            }
            case 0x81 -> {
                List<Object> args = list(pop());
                push(instantiate(pop(), args));
            }
            case 0x92 -> {
                Map<Object, Object> kwargs = map(pop());
                List<Object> args = list(pop());
                Object cls = pop();
                if (!kwargs.isEmpty()) {
                    throw bad("creates " + cls + " with keyword arguments, which checkpoints do not do");
                }
                push(instantiate(cls, args));
            }
            case 'b' -> build(pop(), peek());
            case 'Q' -> push(persistent.load(pop()));
            case 'P' -> push(persistent.load(line()));
            case 'i' -> {
                PyGlobal g = new PyGlobal(line(), line());
                throw refused(g.path(), "the INST opcode");
            }
            case 'o' -> {
                List<Object> items = popMark();
                Object cls = items.isEmpty() ? null : items.get(0);
                throw refused(String.valueOf(cls), "the OBJ opcode");
            }
            case 0x82, 0x83, 0x84 -> throw bad("refers to the copyreg extension registry (opcode EXT), which checkpoints do not use");
            case 0x97, 0x98 -> throw bad("uses out-of-band pickle buffers, which checkpoints do not use");
            default -> throw bad(String.format("has an unknown pickle opcode 0x%02x", op));
        }
    }

    private Object resolve(String module, String name) {
        PyGlobal g = new PyGlobal(module, name);
        Fn fn = ALLOWED.get(g.path());
        if (fn != null) {
            return new Allowed(g, fn);
        }
        if (module.equals("torch")) {
            DType t = DType.ofStorageClass(name);
            if (t != null) {
                return new StorageType(t, name);
            }
        }
        return g;
    }

    private Object call(Object callable, List<Object> args) throws TorchFileException {
        if (!(callable instanceof Allowed a)) {
            throw refused(String.valueOf(callable), "REDUCE");
        }
        switch (a.fn()) {
            case REBUILD_TENSOR_V2, REBUILD_TENSOR -> {
                if (args.size() < 4 || !(args.get(0) instanceof Storage st)) {
                    throw bad("calls " + a.global() + " without a storage and a view");
                }
                return TorchTensor.view(st, ((Number) args.get(1)).longValue(), longs(args.get(2)),
                        a.fn() == Fn.REBUILD_TENSOR_V2 || args.size() > 3 ? longs(args.get(3)) : null, source);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                if (args.isEmpty() || !(args.get(0) instanceof TorchTensor t)) {
                    throw bad("calls " + a.global() + " without a tensor");
                }
                return t;
            }
            case REBUILD_FROM_TYPE_V2 -> {
                if (args.size() < 3) {
                    throw bad("calls " + a.global() + " with " + args.size() + " arguments");
                }
                return call(args.get(0), list(args.get(2)));
            }
            case ORDERED_DICT -> {
                PyDict d = new PyDict(true);
                if (!args.isEmpty()) {
                    for (Object pair : list(args.get(0))) {
                        List<Object> kv = list(pair);
                        d.put(kv.get(0), kv.get(1));
                    }
                }
                return d;
            }
            case SET -> {
                return args.isEmpty() ? new LinkedHashSet<>() : new LinkedHashSet<>(collection(args.get(0)));
            }
            case FROZENSET -> {
                return Collections.unmodifiableSet(args.isEmpty() ? Set.of() : new LinkedHashSet<>(collection(args.get(0))));
            }
            case RECONSTRUCTOR -> {
                Object cls = args.isEmpty() ? null : args.get(0);
                return new PyObject(cls instanceof PyGlobal g ? g.path() : String.valueOf(cls), List.of());
            }
            case CODECS_ENCODE -> {
                // protocol 2's spelling of Python 3 bytes: encode(text, 'latin1')
                return ((String) args.get(0)).getBytes(StandardCharsets.ISO_8859_1);
            }
            default -> {
                return new PyObject(a.global().path(), args);
            }
        }
    }

    private Object instantiate(Object cls, List<Object> args) throws TorchFileException {
        if (cls instanceof Allowed a) {
            return switch (a.fn()) {
                case ORDERED_DICT -> new PyDict(true);
                case SET -> new LinkedHashSet<>();
                default -> new PyObject(a.global().path(), args);
            };
        }
        if (cls instanceof PyGlobal g) {
            return new PyObject(g.path(), args);
        }
        throw bad("creates an instance of " + cls + ", which is not a class");
    }

    @SuppressWarnings("unchecked")
    private void build(Object state, Object target) throws TorchFileException {
        if (target instanceof PyObject o) {
            o.setState(state);
        } else if (target instanceof PyDict d) {
            // an OrderedDict's state: (None or its __dict__) or its __dict__
            Object attrs = state;
            if (state instanceof List<?> l && !l.isEmpty()) {
                attrs = l.get(0);
            }
            if (attrs instanceof Map<?, ?> m) {
                d.attributes().putAll((Map<Object, Object>) m);
            }
        } else if (!(target instanceof TorchTensor)) {
            throw bad("sets state on a " + (target == null ? "None" : target.getClass().getSimpleName()));
        }
    }

    private TorchFileException refused(String global, String how) {
        return new TorchFileException(source + " asks to call " + global + " (" + how + "), which is not on the allow-list "
                + "of what a PyTorch checkpoint may construct; nothing in the file was run. Only load files from a source "
                + "you trust, or convert them where they were made");
    }

    private TorchFileException bad(String what) {
        return new TorchFileException(source + " " + what);
    }

    private static Object tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private static long[] longs(Object tuple) {
        List<Object> l = list(tuple);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).longValue();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Set<Object> set(Object o) {
        return (Set<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static java.util.Collection<Object> collection(Object o) {
        return (java.util.Collection<Object>) o;
    }

    private static void putAll(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw new IllegalArgumentException("odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    private Object memo(long key) throws TorchFileException {
        if (!memo.containsKey(key)) {
            throw bad("refers to memo entry " + key + ", which was never stored");
        }
        return memo.get(key);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws TorchFileException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw bad("pops from an empty pickle stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws TorchFileException {
        if (stack.isEmpty()) {
            throw bad("reads from an empty pickle stack");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws TorchFileException {
        if (marks.isEmpty()) {
            throw bad("closes a mark that was never set");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private List<Object> popN(int n) throws TorchFileException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return Arrays.asList(items);
    }

    private int length(long n) throws TorchFileException {
        if (n < 0 || n > remaining || n > Integer.MAX_VALUE - 16) {
            throw bad("claims a value of " + n + " bytes, but only " + remaining + " bytes are left; the file is corrupt or truncated");
        }
        return (int) n;
    }

    private int u8() throws IOException {
        if (remaining <= 0) {
            throw new EOFException();
        }
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        remaining--;
        return b;
    }

    private byte[] bytes(int n) throws IOException {
        length(n);
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException();
        }
        remaining -= n;
        return b;
    }

    private long le(int n, boolean signed) throws IOException {
        byte[] b = bytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        if (signed && n < 8 && (b[n - 1] & 0x80) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private long be8() throws IOException {
        byte[] b = bytes(8);
        long v = 0;
        for (byte x : b) {
            v = (v << 8) | (x & 0xff);
        }
        return v;
    }

    private Object longBytes(int n) throws IOException {
        byte[] b = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b[n - 1 - i];
        }
        return normal(new BigInteger(be));
    }

    private static Object normal(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw bad("has a text field longer than " + MAX_LINE + " characters");
            }
            sb.append((char) c);
        }
    }

    private static String unquote(String s) {
        String t = s.trim();
        if (t.length() >= 2 && (t.charAt(0) == '\'' || t.charAt(0) == '"')) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
