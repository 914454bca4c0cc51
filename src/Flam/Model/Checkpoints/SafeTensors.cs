using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.IO;
using static TorchSharp.torch;

namespace Flam.Model.Checkpoints;

/// <summary>
/// Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets}, "__metadata__": {..}}</c>, then the raw little-endian tensor bytes.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100L << 20;

    private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Loads every tensor of the file onto the CPU, in file order.</summary>
    /// <exception cref="FlamException">The file is missing, truncated or not a safetensors file.</exception>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads only the optional <c>__metadata__</c> string map (empty when the file has none).</summary>
    /// <exception cref="FlamException">The file is missing or not a safetensors file.</exception>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"'{path}' does not exist.");
        }
        using var stream = File.OpenRead(path);
        var (header, _) = ReadHeader(stream, path);
        var metadata = new Dictionary<string, string>();
        if (header["__metadata__"] is JsonObject stored)
        {
            foreach (var (k, v) in stored)
            {
                metadata[k] = v?.GetValue<string>() ?? "";
            }
        }
        return metadata;
    }

    /// <summary>Loads every tensor and the optional <c>__metadata__</c> string map.</summary>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"'{path}' does not exist.");
        }
        using var stream = File.OpenRead(path);
        var (header, dataStart) = ReadHeader(stream, path);
        metadata = new Dictionary<string, string>();
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    foreach (var (k, v) in node!.AsObject())
                    {
                        metadata[k] = v?.GetValue<string>() ?? "";
                    }
                    continue;
                }
                var dtypeName = node!["dtype"]!.GetValue<string>();
                if (!DTypes.TryGetValue(dtypeName, out var dtype))
                {
                    throw new FlamException($"'{path}': tensor '{name}' has unsupported dtype {dtypeName}.");
                }
                var shape = node["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                long bytes = offsets[1] - offsets[0];
                if (bytes != count * dtype.Size || offsets[0] < 0 || dataStart + offsets[1] > stream.Length)
                {
                    throw new FlamException($"'{path}': tensor '{name}' has inconsistent offsets or the file is truncated.");
                }
                var buffer = new byte[bytes];
                stream.Position = dataStart + offsets[0];
                stream.ReadExactly(buffer);
                var tensor = empty(shape, dtype.Type);
                if (bytes > 0)
                {
                    tensor.bytes = buffer;
                }
                result[name] = tensor;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or JsonException)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new FlamException($"'{path}' is not a valid safetensors file: {e.Message}", e);
        }
        return result;
    }

    /// <summary>Writes tensors (any device, any layout) atomically; names keep the given order.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null, bool overwrite = true)
    {
        var items = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        var blobs = new List<byte[]>(items.Count);
        foreach (var (name, tensor) in items)
        {
            var dtypeName = DTypes.First(d => d.Value.Type == tensor.dtype).Key;
            byte[] bytes;
            // detach() and cpu() make temporaries; a scope frees them here rather than on the GC thread.
            using (NewDisposeScope())
            {
                var cpu = tensor.detach().cpu().contiguous();
                bytes = cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
            }
            blobs.Add(bytes);
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray(tensor.shape.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes.Length)),
            };
            offset += bytes.Length;
        }
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad the header with spaces so tensor data starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, padded);
            stream.Write(len);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var blob in blobs) stream.Write(blob);
        }, overwrite);
    }

    private static (JsonObject Header, long DataStart) ReadHeader(Stream stream, string path)
    {
        Span<byte> len = stackalloc byte[8];
        if (stream.Length < 8)
        {
            throw new FlamException($"'{path}' is not a safetensors file (only {stream.Length} bytes).");
        }
        stream.ReadExactly(len);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(len);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > stream.Length)
        {
            throw new FlamException($"'{path}' is not a safetensors file (bad header length {headerLength}).");
        }
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        try
        {
            var header = JsonNode.Parse(json)?.AsObject() ?? throw new FlamException($"'{path}': empty safetensors header.");
            return (header, 8 + headerLength);
        }
        catch (JsonException e)
        {
            throw new FlamException($"'{path}' is not a safetensors file (header is not JSON: {e.Message}).", e);
        }
    }
}
