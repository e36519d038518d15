/// Canonical JSON: objects with keys sorted ordinally, no insignificant whitespace, numbers as System.Text.Json
/// writes them. A config's hash is the SHA-256 of its canonical JSON, so equal configs get equal hashes whatever
/// the field order in code or file.
module Repro.Harness.CanonicalJson

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open System.Text.Json.Serialization

/// Serializer options for configs and records: F# unions/records/options through FSharp-friendly converters.
let options =
    let o = JsonSerializerOptions(WriteIndented = false)
    // Unions as {"Case": fields} or plain strings for field-less cases; options as null/value.
    o.Converters.Add(JsonFSharpConverter(JsonUnionEncoding.ExternalTag ||| JsonUnionEncoding.UnwrapFieldlessTags ||| JsonUnionEncoding.UnwrapOption ||| JsonUnionEncoding.NamedFields))
    o.Converters.Add(JsonStringEnumConverter())
    o.DefaultIgnoreCondition <- JsonIgnoreCondition.Never
    o.NumberHandling <- JsonNumberHandling.AllowNamedFloatingPointLiterals
    o

let indented =
    let o = JsonSerializerOptions(options)
    o.WriteIndented <- true
    o

/// The canonical text of any JSON text.
let canonicalizeText (json: string) = Repro.Core.CanonicalJson.Canonicalize json

/// The canonical JSON of a value.
let serialize (value: 'T) = JsonSerializer.Serialize(value, options) |> canonicalizeText

/// Hex SHA-256 of a string's UTF-8 bytes.
let sha256 (text: string) = Repro.Core.CanonicalJson.Sha256 text

/// The short content hash that names a config (first 16 hex digits of the SHA-256 of its canonical JSON).
let hashOf (value: 'T) = (serialize value |> sha256).Substring(0, 16)

let deserialize<'T> (json: string) = JsonSerializer.Deserialize<'T>(json, options)

/// Reads and deserializes a JSON file; errors name the file.
let readFile<'T> (path: string) : 'T =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "%s: file not found" path, path))
    try deserialize<'T> (File.ReadAllText path)
    with :? JsonException as e -> raise (InvalidDataException(sprintf "%s: invalid JSON (%s)" path e.Message, e))

/// Pretty JSON for files a person may read (records, tables); still deterministic.
let pretty (value: 'T) =
    let node = Repro.Core.CanonicalJson.Sort(JsonNode.Parse(JsonSerializer.Serialize(value, options)))
    node.ToJsonString(indented)
