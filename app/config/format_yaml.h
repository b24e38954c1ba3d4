// Number formats in configuration files and reports (SPEC.md "Number
// formats"): everywhere a format is accepted, a name (fp32, e4m3fn, e5m7,
// int24, e4m3_b11_fnuz) or a mapping {exponent_bits, mantissa_bits, bias,
// specials, subnormals}; and the way back, so that what gemmsim writes it can
// read again.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "app/config/yaml_value.h"
#include "datapaths/formats/format.h"

namespace gemmsim::app {

// A mapping equal to a named spec format takes that name (so reports say
// fp16, not e5m10_b15_ieee). Errors name the key path.
Format ParseFormat(const YamlValue& value);

// The name when it reads back as this very format, else the mapping.
void EmitFormat(YAML::Emitter& out, const Format& format);

// Name, kind, width and the layout numbers and range a reader of a report
// needs to know what the name meant.
nlohmann::json FormatToJson(const Format& format);

}  // namespace gemmsim::app
