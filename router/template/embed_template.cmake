# Writes a .cpp defining default_template_text from a template file (run at build time by CMake).
file(READ "${INPUT}" content)
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}" "// Generated from ${name} by embed_template.cmake: the lab `vpclab up` runs with no template.\n#include \"router/template/template_loader.hpp\"\nnamespace vpclab::cfn {\nconst char* const default_template_text = R\"vpclab_template(${content})vpclab_template\";\nconst char* const default_template_name = \"${name}\";\n}\n")
