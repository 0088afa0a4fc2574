# Per-layer include directories. Sources include headers as "<layer>/<file>.h" from the
# project root; a target sees only its own folder that way (through a build-tree
# directory holding one symbolic link to it), and the layers below through what it links.
# So a lower layer that includes an upper layer's header does not compile.
#
# gyre_layer_includes(<target> <folder> [PUBLIC|PRIVATE]) - folder relative to the root,
# e.g. runtime, or tools/serve.
function(gyre_layer_includes target folder)
  set(scope PUBLIC)
  if(ARGC GREATER 2)
    set(scope ${ARGV2})
  endif()
  string(REPLACE "/" "_" name ${folder})
  set(root ${CMAKE_BINARY_DIR}/layers/${name})
  get_filename_component(parent ${root}/${folder} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  if(NOT EXISTS ${root}/${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} ${scope} ${root})
endfunction()
