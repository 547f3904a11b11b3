package dev.parley.models;

import java.util.HashMap;
import java.util.Map;

/**
 * The llama.cpp library sets of one npm release (node-llama-cpp 3.22.1, llama.cpp v0.5.0, Linux x86-64), each
 * pinned by the SHA-256 of its tarball and of every library kept from it. All three carry the same CPU backends;
 * the GPU sets add one GPU backend, which ggml loads only where its runtime is present.
 */
public enum LlamaLibrarySet {

    CPU("@node-llama-cpp/linux-x64@3.22.1", "/@node-llama-cpp/linux-x64/-/linux-x64-3.22.1.tgz", "linux-x64",
            "0d953e1503d5ab4608d8ed5b739132308c81ac05ffeb760d2a7f30e08a9f90e0",
            "libllama.v0.5.0.so", "2ecd1d85f68456573a664106a9039366b88231579fd65d9669c9a6ab41374fd4",
            "libggml.v0.5.0.so", "41cd5e6ad78b9f0af31a6f80d637d3168e75ff84db14c495de4d3d9c95607444",
            "libllama-common.so", "8cb10e69b3de60d4ce6047ca13fe1e68c28caad87382701ee7fbde28d19952bd",
            Map.of(), "nothing beyond glibc and libstdc++"),

    /** SASS for sm_86/89/120 and PTX 9.1, built against CUDA 13. */
    CUDA("@node-llama-cpp/linux-x64-cuda@3.22.1", "/@node-llama-cpp/linux-x64-cuda/-/linux-x64-cuda-3.22.1.tgz",
            "linux-x64-cuda", "d6cd3ff39a43b024816952e0bc6452d6711608d26256ff6eb0fe8cf7ff55bb2c",
            "libllama.cuda.v0.5.0.so", "1bc3a883d49c77292e164047267bfdda947d7ecf790b10443fc36cf0c8fbcb38",
            "libggml.cuda.v0.5.0.so", "a95bdba2e3bb6cc95803448a7fee59b651c406a8959b6cbf0d995cd0ab8375f7",
            "libllama-common.so", "77b085673f2e56c679c16748ba0ff91699dbfc3d9ff969bc4994fd8327c536e8",
            Map.of("libggml-cuda.so", "f00882ca593ddf380778f5ac835690bcdaad951cd4700829c7a03aa0c32bcf47"),
            "an NVIDIA driver for CUDA >= 13.1 (libcuda.so.1) and the CUDA 13 runtime and cuBLAS "
                    + "(libcudart.so.13, libcublas.so.13) on the library path"),

    VULKAN("@node-llama-cpp/linux-x64-vulkan@3.22.1",
            "/@node-llama-cpp/linux-x64-vulkan/-/linux-x64-vulkan-3.22.1.tgz", "linux-x64-vulkan",
            "e10577190fc4bd1649d3b655588e5c7a85fc6b6dbf7136fee596cbe9e25521e7",
            "libllama.vulkan.v0.5.0.so", "6152dbaf8b1f64ef6ab5e9e8296d8fca196dc0018f2704d5e67c95ea83ff2294",
            "libggml.vulkan.v0.5.0.so", "d91d97df063c848c1150957e3281130bb1a6b81ea80a07ef87a1975e0bb229df",
            "libllama-common.so", "37c217563013554ef365c108c45af3a9f4c5169f432a1c684121a26e4682087b",
            Map.of("libggml-vulkan.so", "5dbbe80b520118b6b71f3ea31935ba107cee9c9c68f7e7ed18b20cdb424e819b"),
            "the Vulkan loader (libvulkan.so.1) and a GPU driver with a Vulkan ICD");

    /** The CPU backends and libggml-base, identical in every set (same build of the same sources). */
    private static final class Shared {
        static final Map<String, String> FILES = Map.ofEntries(
                Map.entry("libggml-base.so", "6c342c8aeb20cb31a18099d6f79de4de6703814d1cfd5c4d754a8643087e486e"),
                Map.entry("libggml-cpu-alderlake.so", "6527efda35405a0d91574aced4a7766db9bb0494ab6458c83fe9eba755eb76f7"),
                Map.entry("libggml-cpu-cannonlake.so", "44285a67a31a81a036a70c565d391b31145d835044c03c76cfaa2f90a9d57d42"),
                Map.entry("libggml-cpu-cascadelake.so", "97cace813fbf7b7a07c4793f6a75b8b2d3de256430620f0be4a15bd4372468ea"),
                Map.entry("libggml-cpu-cooperlake.so", "5eda284fd8986d550e21623b269dd31d02c07fc70121d3099609d5dde6b6847e"),
                Map.entry("libggml-cpu-haswell.so", "ddaa96012769f0e86e8670cca374243751880bea2c2d0a4413b3a1b7a29dca74"),
                Map.entry("libggml-cpu-icelake.so", "9b9c24aaa775fd38a6e1ff082549e50d4138d29f2e2883630b28ab70704ed896"),
                Map.entry("libggml-cpu-ivybridge.so", "91b27ab81df92b8429c8e3441a8861014d3aec1424f90885a628fd0d4567532f"),
                Map.entry("libggml-cpu-piledriver.so", "2cb5b2101f5bbefa2416ec7f8b6c6acb177d04f0157989c5d92e4c07750fd3f8"),
                Map.entry("libggml-cpu-sandybridge.so", "bce17565033835dfb59fae2ed712d4c35e56463c2d49ea61ca08e6e2908bdfd6"),
                Map.entry("libggml-cpu-sapphirerapids.so", "e3d4840632b2242655e1721c6b93ec0370406dded9074accfe90bcfb67bd30b8"),
                Map.entry("libggml-cpu-skylakex.so", "df30b40a957175cd8e462e8838632dc51e3be7570b27b9526cb7a044263aeab3"),
                Map.entry("libggml-cpu-sse42.so", "ec65053445506965db5dd9382d7ede084ba639edc55f77aaf73581c778969e02"),
                Map.entry("libggml-cpu-x64.so", "1174c3c3e0b8722313df561d7ef5ece516a070732cec9b8ddda3667c0b959728"),
                Map.entry("libggml-cpu-zen4.so", "d84208de33fdadb8921a1a1a34342f5eceb1e58b83648be68050f7557312bd3e"));
    }

    private final String npmPackage;
    private final String tarballPath;
    private final String bins;
    private final String tarballSha256;
    private final String libllama;
    private final String libggml;
    private final Map<String, String> files;
    private final String needs;

    LlamaLibrarySet(String npmPackage, String tarballPath, String bins, String tarballSha256, String libllama,
                    String libllamaSha256, String libggml, String libggmlSha256, String common, String commonSha256,
                    Map<String, String> backend, String needs) {
        this.npmPackage = npmPackage;
        this.tarballPath = tarballPath;
        this.bins = bins;
        this.tarballSha256 = tarballSha256;
        this.libllama = libllama;
        this.libggml = libggml;
        Map<String, String> all = new HashMap<>(Shared.FILES);
        all.put(libllama, libllamaSha256);
        all.put(libggml, libggmlSha256);
        all.put(common, commonSha256);
        all.putAll(backend);
        this.files = Map.copyOf(all);
        this.needs = needs;
    }

    /** The npm package, {@code name@version}. */
    public String npmPackage() {
        return npmPackage;
    }

    /** The tarball's path on an npm registry. */
    public String tarballPath() {
        return tarballPath;
    }

    /** The folder inside the tarball holding the libraries. */
    public String binsPrefix() {
        return "package/bins/" + bins + "/";
    }

    /** The cache folder name of the verified set. */
    public String cacheName() {
        return "node-llama-cpp-" + bins + "-3.22.1";
    }

    public String tarballSha256() {
        return tarballSha256;
    }

    public String libllama() {
        return libllama;
    }

    public String libggml() {
        return libggml;
    }

    /** Every library kept from the tarball and its SHA-256. */
    public Map<String, String> files() {
        return files;
    }

    /** What the host needs for this set's GPU backend, in words (for error messages). */
    public String needs() {
        return needs;
    }
}
