// How long a KV snapshot's copy from the GPU to host memory takes, and back, by kind of host memory: the pattern of
// llama.cpp's llama_state_seq_get_data / set_data for one sequence (one cudaMemcpyAsync and one stream
// synchronisation per layer and per K and V, as ggml_backend_cuda_buffer_get_tensor does), into
//   fresh     memory malloc'ed for each snapshot and freed after (what the native engine did before SnapshotBuffers),
//   reused    one malloc'ed buffer written again and again (SnapshotBuffers on the CPU's plain memory),
//   pinned    one cudaMallocHost buffer (SnapshotBuffers over PinnedMemory, the default on a GPU).
// Prints the median of each, in ms, and the rate.
//
// usage: nvcc -O2 -o snapshot-copy ops/gpu/snapshot-copy.cu && ./snapshot-copy [MiB, default 86] [layers, 16] [runs, 9]
// 86 MiB is run 8's mean snapshot (Llama-3.2-1B F16, 32 KiB a token, ~2 700 tokens); 16 layers is that model's.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static void check(cudaError_t err, const char *what) {
    if (err != cudaSuccess) {
        std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(err));
        std::exit(1);
    }
}

static double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One snapshot's copy out: 2 x layers pieces, each copied and waited for on its own.
static void copy_out(char *host, const char *device, size_t bytes, int pieces, cudaStream_t stream) {
    size_t piece = bytes / pieces;
    for (int i = 0; i < pieces; i++) {
        check(cudaMemcpyAsync(host + i * piece, device + i * piece, piece, cudaMemcpyDeviceToHost, stream), "d2h");
        check(cudaStreamSynchronize(stream), "sync");
    }
}

static void copy_in(char *device, const char *host, size_t bytes, int pieces, cudaStream_t stream) {
    size_t piece = bytes / pieces;
    for (int i = 0; i < pieces; i++) {
        check(cudaMemcpyAsync(device + i * piece, host + i * piece, piece, cudaMemcpyHostToDevice, stream), "h2d");
        check(cudaStreamSynchronize(stream), "sync");
    }
}

static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 86;
    int layers = argc > 2 ? std::atoi(argv[2]) : 16;
    int runs = argc > 3 ? std::atoi(argv[3]) : 9;
    size_t bytes = mib << 20;
    int pieces = 2 * layers;
    bytes -= bytes % pieces;

    cudaDeviceProp prop;
    check(cudaGetDeviceProperties(&prop, 0), "properties");
    std::printf("%s, %zu MiB in %d copies of %.2f MiB, median of %d runs\n", prop.name, mib, pieces,
                bytes / (double) pieces / (1 << 20), runs);

    char *device = nullptr;
    check(cudaMalloc(&device, bytes), "cudaMalloc");
    check(cudaMemset(device, 7, bytes), "memset");
    cudaStream_t stream;
    check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream");

    char *reused = static_cast<char *>(std::malloc(bytes));
    std::memset(reused, 1, bytes);
    char *pinned = nullptr;
    double pin_start = now_ms();
    check(cudaMallocHost(&pinned, bytes), "cudaMallocHost");
    double pin_ms = now_ms() - pin_start;

    std::vector<double> fresh_out, reused_out, pinned_out, reused_in, pinned_in;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        char *fresh = static_cast<char *>(std::malloc(bytes));
        copy_out(fresh, device, bytes, pieces, stream);
        double t1 = now_ms();
        std::free(fresh);
        fresh_out.push_back(t1 - t0);

        t0 = now_ms();
        copy_out(reused, device, bytes, pieces, stream);
        reused_out.push_back(now_ms() - t0);
        t0 = now_ms();
        copy_in(device, reused, bytes, pieces, stream);
        reused_in.push_back(now_ms() - t0);

        t0 = now_ms();
        copy_out(pinned, device, bytes, pieces, stream);
        pinned_out.push_back(now_ms() - t0);
        t0 = now_ms();
        copy_in(device, pinned, bytes, pieces, stream);
        pinned_in.push_back(now_ms() - t0);
    }
    double gib = bytes / (double) (1 << 30);
    std::printf("| host memory | snapshot (device to host) ms | GiB/s | restore (host to device) ms | GiB/s |\n");
    std::printf("|---|---|---|---|---|\n");
    std::printf("| fresh malloc each time | %.1f | %.1f | | |\n", median(fresh_out), gib / median(fresh_out) * 1000);
    std::printf("| reused malloc | %.1f | %.1f | %.1f | %.1f |\n", median(reused_out), gib / median(reused_out) * 1000,
                median(reused_in), gib / median(reused_in) * 1000);
    std::printf("| reused cudaMallocHost | %.1f | %.1f | %.1f | %.1f |\n", median(pinned_out),
                gib / median(pinned_out) * 1000, median(pinned_in), gib / median(pinned_in) * 1000);
    std::printf("cudaMallocHost of the buffer itself: %.1f ms (once per buffer; SnapshotBuffers reuses it)\n", pin_ms);
    check(cudaFreeHost(pinned), "cudaFreeHost");
    std::free(reused);
    check(cudaFree(device), "cudaFree");
    return 0;
}
