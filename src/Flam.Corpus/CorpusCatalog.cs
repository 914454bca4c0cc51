namespace Flam.Synthesis.Corpus;

/// <summary>
/// The reviewed list of Debian data packages the default corpus is built from, with what is taken from each and why.
/// Every package is in Debian main (DFSG-free); per-file licences still come from each package's copyright file.
/// </summary>
public static class CorpusCatalog
{
    private static readonly string[] None = [];

    /// <summary>Every known package source, in build order.</summary>
    public static IReadOnlyList<CorpusSource> Packages { get; } =
    [
        new("0ad-data", SourceOrigin.DebianPackage, "usr/share/games/0ad/mods/public",
            ["public/audio/**"],
            ["public/audio/voice/**", "public/audio/music/**", "public/audio/interface/**"],
            ["public.zip"], true, [], 0,
            "0 A.D. game sounds (CC-BY-SA-3.0 per Files: *). Voices (spoken unit acknowledgements), music and interface clicks are left out."),
        new("tuxpaint-stamps-default", SourceOrigin.DebianPackage, "usr/share/tuxpaint/stamps",
            ["**/*.ogg"],
            ["**/*_desc*.ogg", "**/*_??.ogg", "**/*_??_??.ogg", "symbols/alphabets/**", "symbols/math/**", "symbols/faces/**"],
            None, true, [], 0,
            "Tux Paint stamp sound effects (GPL-2) captioned by the stamp's English description; spoken descriptions, spoken letters and digits and their translations are left out."),
        new("ufoai-sound", SourceOrigin.DebianPackage, "usr/share/games/ufoai/base",
            ["0snd/sound/**"],
            ["0snd/sound/ui/**", "0snd/sound/geoscape/**", "0snd/sound/seq/**", "0snd/sound/soldiers/**", "0snd/sound/civilians/**",
             "**/disco*", "**/jingle*", "**/tv_news*", "**/radiomessage*"],
            ["0snd.pk3"], true, [("0snd/", "base/")], 0,
            "UFO: Alien Invasion sounds (per-file licences in the copyright file). UI, geoscape jingles, voices and music-like loops are left out."),
        new("sound-theme-freedesktop", SourceOrigin.DebianPackage, "usr/share/sounds/freedesktop/stereo",
            [], ["audio-channel-*", "audio-test-signal*"], None, true, [("", "stereo/")], 0,
            "freedesktop.org sound theme (per-file CC-BY-SA-3.0 / CC-BY-3.0 / GPL-2+). Spoken channel names and the test signal are left out.",
            AllowBackgrounds: false),
        new("oxygen-sounds", SourceOrigin.DebianPackage, "usr/share/sounds",
            [], None, None, true, [], 0,
            "KDE Oxygen desktop sounds (LGPL-3.0-or-later): short notification chimes; the few long jingles are left out.",
            AllowBackgrounds: false),
        new("asterisk-core-sounds-en-wav", SourceOrigin.DebianPackage, "usr/share/asterisk/sounds/en_US_f_Allison",
            [], ["silence/**", "**/beep*", "**/*tone*", "letters/**", "digits/**", "phonetic/**"], None, false, [], 150,
            "Asterisk English prompts spoken by Allison Smith (CC-BY-SA-3.0): a capped sample of phrases as general-audio speech, captioned with the words said "
            + "from the prompt list of asterisk-core-sounds-en (same upstream, same copyright file); prompts of 10 s or more and prompts the list marks as non-speech are left out.",
            AllowBackgrounds: false,
            Transcripts: new("asterisk-core-sounds-en", "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")),
        new("btanks-data", SourceOrigin.DebianPackage, "usr/share/games/btanks/data",
            ["sounds/**"], ["sounds/menu/**"], None, true, [], 0,
            "Battle Tanks sounds (GPL with a distribution exception, Debian main). Menu clicks and tunes are left out."),
        new("lugaru-data", SourceOrigin.DebianPackage, "usr/share/games/lugaru",
            ["Sounds/**"], ["Sounds/Music*", "Sounds/Console*"], None, true, [("Sounds/", "Data/Sounds/")], 0,
            "Lugaru sounds (CC-BY-SA-3.0 for Data/*). Music is left out."),
        new("megaglest-data", SourceOrigin.DebianPackage, "usr/share/games/megaglest",
            ["tilesets/**", "techs/megapack/commondata/sounds/**"], ["**/music/**", "**/*_ack*", "**/*_select*", "**/tech_click*"], None, true, [], 0,
            "MegaGlest (CC-BY-SA-3.0): tileset ambience (day, night, rain, wind) and common unit effects; unit acknowledgement/selection voices are left out."),
        new("minetest-data", SourceOrigin.DebianPackage, "usr/share/games/minetest/games/minetest_game/mods",
            ["**/sounds/*.ogg"], None, None, true, [("", "mtg/mods/")], 0,
            "Minetest Game sounds (*.ogg CC-BY-SA-3.0, doors CC-BY-3.0)."),
        new("redeclipse-data", SourceOrigin.DebianPackage, "usr/share/games/redeclipse/data/sounds",
            [], ["music/**", "voice/**", "announcer/**", "interface/**", "theme*", "original*", "**/notify*",
              "sfx/chat*", "sfx/error*", "sfx/item*", "sfx/respawn*", "sfx/regenerate*"], None, true, [("", "data/sounds/")], 0,
            "Red Eclipse sounds (CC-BY-SA-3.0+ per Files: *), including its ambience loops. Music, voices, announcer and interface sounds are left out."),
        new("scorched3d-data", SourceOrigin.DebianPackage, "usr/share/games/scorched3d/data/globalmods",
            ["**/wav/**"], ["**/music/**", "**/misc/play*", "**/misc/text*", "**/misc/beep*", "**/misc/extralife*", "**/misc/fight4life*", "**/misc/lockon*"], None, true, [("", "data/globalmods/")], 0,
            "Scorched 3D sounds (GPL-2+, apoc mod CC-BY-SA-3)."),
        new("lincity-ng-data", SourceOrigin.DebianPackage, "usr/share/games/lincity-ng",
            ["sounds/**"], ["sounds/Click*"], None, true, [], 0,
            "LinCity-NG building sounds (GPL-2+)."),
        new("supertuxkart-data", SourceOrigin.DebianPackage, "usr/share/games/supertuxkart/data",
            ["sfx/*.ogg", "tracks/*/*.ogg"],
            ["tracks/battleisland/**", "tracks/ancient_colosseum_labyrinth/**", "tracks/cave/**", "tracks/introcutscene*/nolok_speech*",
             "tracks/introcutscene*/intro2*", "tracks/introcutscene*/button*", "sfx/*fanfare*", "sfx/gp_end*", "sfx/race_finish*", "sfx/track_intro*", "sfx/start_race*",
             "sfx/pre_start_race*", "sfx/goal_scored*", "sfx/energy_bar*", "sfx/grab_collectable*", "sfx/sara_airport_pa*", "sfx/gnu_flute*", "sfx/swap*", "sfx/locked*"],
            None, true, [("", "data/")], 0,
            "SuperTuxKart effects and track ambience (per-file CC0 / CC-BY / CC-BY-SA / GPL in the copyright file). Music, race jingles and UI sounds are left out."),
        new("widelands-data", SourceOrigin.DebianPackage, "usr/share/games/widelands/data",
            ["sound/**"],
            ["sound/click*", "sound/lobby*", "sound/message*", "sound/military/**", "sound/create_construction_site*"],
            None, true, [("", "data/")], 0,
            "Widelands work and animal sounds (GPL-2+). Music, UI and message sounds are left out."),
        new("wesnoth-1.16-data", SourceOrigin.DebianPackage, "usr/share/games/wesnoth/1.16/data/core/sounds",
            [], ["**/fanfare*", "**/README*"], None, true, [], 0,
            "Battle for Wesnoth combat, creature and ambient sounds. Its copyright file is free-form and states GPL-2 or later for the game and its data.",
            new LicenceRecord("GPL-2+", "2003-2009 David White and the other Battle for Wesnoth contributors named in the copyright file")),
        new("openarena-data", SourceOrigin.DebianPackage, "usr/share/games/openarena/baseoa",
            ["pak0/sound/world/**", "pak0/sound/weapons/**", "pak0/sound/movers/**", "pak0/sound/player/footsteps/**", "pak0/sound/player/*.wav"],
            ["**/noammo*", "**/change*", "pak0/sound/player/talk*"],
            ["pak0.pk3"], true, [], 0,
            "OpenArena world, weapon and movement sounds from pak0.pk3 (GPL-2+ per Files: *). Announcer, character voices, item pickups and menu sounds are left out."),
        new("nexuiz-data", SourceOrigin.DebianPackage, "usr/share/games/nexuiz/data",
            ["data/sound/ambient/**", "data/sound/desertfactory/**", "data/sound/weapons/**", "data/sound/plats/**", "data/sound/misc/*footstep*",
             "data/sound/misc/*hitground*", "data/sound/misc/gib*", "data/sound/misc/bodyimpact*", "data/sound/misc/armorimpact*", "data/sound/misc/jetpack*",
             "data/sound/misc/teleport*", "data/sound/misc/outwater*"],
            ["**/tuba_*", "**/weapon_switch*", "**/weaponpickup*", "**/unavailable*", "**/radiomessage*"],
            ["data.pk3"], true, [], 0,
            "Nexuiz ambience, weapon and movement sounds from data.pk3. Its copyright file is free-form and puts all of Nexuiz under GPL-2 or later. Announcers, player voices and game-mode jingles are left out.",
            new LicenceRecord("GPL-2+", "2002-2009 Alientrap, Lee Vermeulen")),
        new("bucklespring-data", SourceOrigin.DebianPackage, "usr/share/buckle/wav",
            ["*.wav"], None, None, true, [("", "wav/")], 0,
            "Bucklespring: an IBM Model-M keyboard recorded key by key (GPL-2+ per Files: *), one press (-0) and one release (-1) per scan code: "
            + "171 recordings, 2 % of the corpus's effects (capped at 60 until corpus 8); nothing is left out.",
            AllowBackgrounds: false),
        new("sound-icons", SourceOrigin.DebianPackage, "usr/share/sounds/sound-icons",
            ["*.wav"], None, None, true, [], 0,
            "Speech-dispatcher sound icons (GPL-2+ per Files: *): short instrument notes and chords (harpsichord, piano, guitar, trumpet, cello, xylophone, cymbalom), "
            + "a canary, a beetle, a cat squeak, water in a glass and whistles. The extension-less entries are symlinks to these files and are not read.",
            AllowBackgrounds: false),
        new("lmms-common", SourceOrigin.DebianPackage, "usr/share/lmms/samples",
            ["drums/*.ogg", "instruments/*.ogg", "misc/*.ogg", "effects/*.ogg"],
            ["drums/zap*", "drums/nasty_*", "drums/kick_*", "drums/clav*", "misc/bass!*", "misc/buzz!*", "misc/undefined*", "misc/electric_ping*",
             "effects/chroma*", "effects/filter_sweep*", "effects/start*", "effects/stop*", "effects/warp*"],
            None, true, [("", "data/samples/")], 0,
            "LMMS samples (GPL-2+ per Files: *): drum-kit hits (kick, snare, toms, hi-hats, cymbals, claps, rim, shaker, wood block), single instrument notes "
            + "(cello, church organ, flute, harpsichord, piano, guitar, trumpet, violin), applause, breathing, a crowd, a metronome, a finger snap, bells, an explosion, "
            + "a record scratch and wind chimes (capped at 80 until corpus 8). Left out: bass and synth loops, beats, synth shapes, pads, waveforms, DrumSynth presets (not audio), "
            + "electronic zaps and kicks, Latin loops and abstract effects (sweeps, warps, start/stop).",
            AllowBackgrounds: false),
        // The copyright file names each kit by its upstream archive ("drumkits/ForzeeStereo.h2drumkit"); each installed kit folder maps to that whole path.
        new("hydrogen-drumkits", SourceOrigin.DebianPackage, "usr/share/hydrogen/data/drumkits",
            ["Gimme A Hand 1.0/*.wav", "circAfrique v4/*.wav", "ForzeeStereo/*.wav"],
            None, None, true,
            [("Gimme A Hand 1.0/", "drumkits/Gimme A Hand 1.0.h2drumkit"), ("circAfrique v4/", "drumkits/circAfrique.h2drumkit"),
             ("ForzeeStereo/", "drumkits/ForzeeStereo.h2drumkit")],
            0,
            "Hydrogen drum kits (per kit in the copyright file: Gimme A Hand 1.0 GPL-2 (Glen MacArthur), circAfrique CC-BY-SA-3.0 (Jim Harney), ForzeeStereo GPL-2): "
            + "hand percussion (hand claps, finger snaps, bongos, cajon, claves, cowbell, maracas, tambourine, tapped water glasses, wood block), djembe and dunun strokes, "
            + "and one acoustic drum kit (kick, snare, toms, hi-hats, cymbals, agogo, tambourine): 218 recordings (capped at 100 until corpus 8). Left out: "
            + "the other acoustic kits (The Black Pearl, Colombo, Millo: the same drum-kit classes again), electronic kits (ElectricEmpire, HardElectro, Audiophob), "
            + "rumpf_kit (unnamed beat slices), BJA_Pacific (AIFF, not decoded) and VariBreaks (loops).",
            AllowBackgrounds: false),
        new("openttd-opensfx", SourceOrigin.DebianPackage, "usr/share/games/openttd/baseset/opensfx",
            ["opensfx/*.wav"],
            // Good/Bad Year jingles, the two empty placeholders, and the Toyland cartoon mixes (slide whistles, boings on engines).
            ["opensfx/osfx_00-*", "opensfx/osfx_01-*", "opensfx/osfx_34-*", "opensfx/osfx_41-*", "opensfx/osfx_42-*", "opensfx/osfx_43-*",
             "opensfx/osfx_44-*", "opensfx/osfx_45-*", "opensfx/osfx_48-*", "opensfx/osfx_49-*", "opensfx/osfx_50-*", "opensfx/osfx_51-*",
             "opensfx/osfx_53-*", "opensfx/osfx_58-*", "opensfx/osfx_60-*", "opensfx/osfx_62-*", "opensfx/osfx_63-*", "opensfx/osfx_64-*",
             "opensfx/osfx_69-*", "opensfx/osfx_70-*"],
            ["opensfx.cat"], true, [("opensfx/", "src/wav/")], 0,
            "OpenSFX, OpenTTD's free base sounds (CC-BY-SA-3.0 for src/wav/* in the copyright file; each sound's description in the catalogue credits its "
            + "freesound original and author): vehicles (steam, diesel and maglev trains, ships, ferries, buses, trucks, propeller planes, jets, helicopter), "
            + "level crossing, factory whistle, mining machinery, sawmill, chainsaw, falling tree, jackhammer, crashes, explosion, cash till, applause, farm "
            + "animals, tropical birds, lion, monkeys, wind. Read from opensfx.cat (OpenSfxCatalog). Left out: the Good/Bad Year jingles, two empty placeholders "
            + "and the Toyland cartoon mixes.",
            AllowBackgrounds: false),
        // GCompris' sounds live inside Qt resource files, one per activity; the resource path below "gcompris/" is the source-tree path of the copyright file.
        new("gcompris-qt-data", SourceOrigin.DebianPackage, "usr/share/gcompris-qt/rcc",
            ["*/gcompris/src/activities/canal_lock/resource/*", "*/gcompris/src/activities/clickgame/resource/*",
             "*/gcompris/src/core/resource/sounds/crash.wav", "*/gcompris/src/core/resource/sounds/water.wav", "*/gcompris/src/core/resource/sounds/brick.wav",
             "*/gcompris/src/activities/erase/resource/eraser*", "*/gcompris/src/activities/explore_farm_animals/resource/animals/*",
             "*/gcompris/src/activities/gnumch-equality/resource/eat.wav", "*/gcompris/src/activities/guessnumber/resource/helicopter.wav",
             "*/gcompris/src/activities/instruments/resource/*", "*/gcompris/src/activities/melody/resource/*",
             "*/gcompris/src/activities/memory-sound/resource/*", "*/gcompris/src/activities/memory/resource/card_flip.wav",
             "*/gcompris/src/activities/mining/resource/pickaxe.wav", "*/gcompris/src/activities/money/resource/*",
             "*/gcompris/src/activities/redraw/resource/*", "*/gcompris/src/activities/reversecount/resource/icy_walk.wav",
             "*/gcompris/src/activities/scalesboard/resource/metal_hit.wav", "*/gcompris/src/activities/target/resource/arrow.wav",
             "*/gcompris/src/activities/traffic/resource/car.wav", "*/gcompris/src/activities/railroad/resource/sounds/train.wav",
             "*/gcompris/src/activities/watercycle/resource/harbor*", "*/gcompris/src/activities/watercycle/resource/bubble.wav"],
            ["**/LRWeird*", "**/LRLaPause*", "**/guitar_melody*"],
            ["canal_lock.rcc", "clickgame.rcc", "core.rcc", "erase.rcc", "explore_farm_animals.rcc", "gnumch-equality.rcc", "guessnumber.rcc", "instruments.rcc", "melody.rcc", "memory-sound.rcc", "memory.rcc", "mining.rcc", "money.rcc", "redraw.rcc", "reversecount.rcc", "scalesboard.rcc", "target.rcc", "traffic.rcc", "railroad.rcc", "watercycle.rcc"],
            true, [("canal_lock/gcompris/", ""), ("clickgame/gcompris/", ""), ("core/gcompris/", ""), ("erase/gcompris/", ""), ("explore_farm_animals/gcompris/", ""), ("gnumch-equality/gcompris/", ""), ("guessnumber/gcompris/", ""), ("instruments/gcompris/", ""), ("melody/gcompris/", ""), ("memory-sound/gcompris/", ""), ("memory/gcompris/", ""), ("mining/gcompris/", ""), ("money/gcompris/", ""), ("redraw/gcompris/", ""), ("reversecount/gcompris/", ""), ("scalesboard/gcompris/", ""), ("target/gcompris/", ""), ("traffic/gcompris/", ""), ("railroad/gcompris/", ""), ("watercycle/gcompris/", "")], 0,
            "GCompris activity sounds (per file in the copyright file: GPL-3+, CC0, CC-BY-3.0, Free Art License; read from the Qt .rcc resources with "
            + "QtResourceFile): farm animals, 25 instruments, Lionel Allorge's recordings (car engine, falling objects, gong, factory noise, door, train, "
            + "dog barks, applause, heartbeat, frogs in a storm, rain), canal lock doors and water, coins, eraser, brush, pickaxe, arrow, car, train, harbour. "
            + "Left out: UI jingles and clicks, world-music pieces (music), morse tones, the drum-kit loop (CC Sampling Plus, not free), weird/pause sounds. "
            + "The package holds no speech: the spoken voices of all languages are in the separate gcompris-qt-voices packages, not used.",
            AllowBackgrounds: false),
        new("fluid-soundfont-gm", SourceOrigin.DebianPackage, "usr/share/sounds/sf2",
            ["FluidR3_GM/**"], None, ["FluidR3_GM.sf2"], true, [], 0,
            "Single notes rendered from the Fluid R3 General MIDI sound font (MIT, Frank Wen) with fluidsynth (SoundFontRenders): 91 acoustic instruments "
            + "and variations (4 notes each), the GM sound effects (sea waves, birds tweeting, telephone ringing, helicopter, applause, gunshot, guitar fret "
            + "squeak) and the 47 GM drum keys in three kits. Capped at that fixed plan (533 renders, ~7 % of the corpus) so one synthesiser does not "
            + "dominate; synth leads, pads and synth effects are left out.",
            new LicenceRecord("MIT", "2000-2002, 2008 Frank Wen; 2008 Toby Smithe (Fluid R3 sound font; renders made with fluidsynth)"),
            AllowBackgrounds: false),
        // FlightGear's shared Sounds/ and the default Cessna 172P's Sounds/ (the only aircraft in the base package). The speech
        // callouts (Sounds/mk-viii/, Sounds/tcas/female/) are in subfolders the '*' globs do not reach; intro.mp3 (music) is not a .wav.
        new("flightgear-data-base", SourceOrigin.DebianPackage, "usr/share/games/flightgear",
            ["Sounds/*.wav", "Aircraft/c172p/Sounds/*.wav"],
            // Synthetic cockpit tones and alerts, a resampled duplicate, names that do not say what sounds, and Cessna cockpit
            // controls named only for their function (primer, trim wheels, checklist, control lock, gyro, water rudder).
            ["Sounds/beep.wav", "Sounds/avionics-400Hz.wav", "Sounds/radionoise.wav", "Sounds/click.wav", "Sounds/engstart.wav", "Sounds/overspeed*",
             "Sounds/wind-8khz.wav", "Sounds/wave.wav", "Sounds/whine.wav", "Sounds/fan.wav", "Sounds/rattleroll.wav", "Sounds/starter_*",
             "Sounds/helicopter-skid.wav", "Sounds/rotor_stall.wav", "Sounds/rumble*",
             "Aircraft/c172p/Sounds/checklist*", "Aircraft/c172p/Sounds/click.wav", "Aircraft/c172p/Sounds/double-click*", "Aircraft/c172p/Sounds/scroll.wav",
             "Aircraft/c172p/Sounds/control_lock.wav", "Aircraft/c172p/Sounds/gps_to_glove_compartment.wav", "Aircraft/c172p/Sounds/primer-*",
             "Aircraft/c172p/Sounds/trim.wav", "Aircraft/c172p/Sounds/rudder-trim.wav", "Aircraft/c172p/Sounds/water-rudder-*",
             "Aircraft/c172p/Sounds/gyro.wav", "Aircraft/c172p/Sounds/flaps-click.wav"],
            None, true, [], 0,
            "FlightGear flight simulator sounds (GPL-2+ per Files: *; the Cessna 172P's Thanks file credits its engine, stall horn, lever, smash and "
            + "workshop recordings to CC0/CC-BY originals): rain, rain on a windshield, thunder, wind, propeller, turboprop and jet engines (start, "
            + "run, shutdown), helicopter rotors, a Cessna engine recorded starting, idling, running and stopping, engine cranking and sputtering, "
            + "tyres rolling and screeching on asphalt and gravel, landing gear, flap motor, stall and gear warning horns, cabin door, window and "
            + "glove compartment, ignition key, switches, a parking brake lever, crashes, ground scraping, water under floats, a mechanic's workshop, "
            + "a gatling gun. Left out: the GPWS and TCAS voice callouts (speech in subfolders), intro.mp3 (music), synthetic cockpit tones "
            + "(beep, 400 Hz avionics hum, radio noise, overspeed clacker), a resampled copy of wind, names that do not say what sounds (wave, "
            + "whine, fan, rattleroll, starter, rumble) and cockpit controls named only for their function (primer, trim wheels, checklist, "
            + "control lock, gyro, water rudder, a 0.07 s light-switch click and the repeated switch clicks)."),
        new("flare-game", SourceOrigin.DebianPackage, "usr/share/games/flare/mods",
            ["*/soundfx/**"],
            ["*/soundfx/npcs/**", "*/soundfx/level_up*", "*/soundfx/no_mana*", "*/soundfx/flying_loot*", "**/*_ment*", "**/grave_*",
             "*/soundfx/powers/heal*", "*/soundfx/powers/shield*", "*/soundfx/powers/shock*", "*/soundfx/powers/spikes*", "*/soundfx/powers/freeze*",
             "*/soundfx/powers/timestop*", "*/soundfx/powers/teleport*", "*/soundfx/environment/teleporter*"],
            None, true, [], 0,
            "Flare (CC-BY-SA-3.0+ per Files: *): footsteps, inventory handling (books, cloth, coins, chain mail, potions, pages), environment loops "
            + "(river, fire, birds, owl, raven, wind, cave drips, anvil, rain, falling rocks, minecart), doors, human hurt and death cries, creature sounds. "
            + "Left out: music, merchant voices, spell effects without a real-world counterpart, level-up and interface sounds."),
        new("supertux-data", SourceOrigin.DebianPackage, "usr/share/games/supertux2/sounds",
            ["brick.wav", "cracking.wav", "crystallo-shatter.ogg", "explosion.wav", "fire.ogg", "firecracker.ogg", "fireworks.wav", "fizz.wav", "flame.wav",
             "gulp.wav", "icecrash.ogg", "kick.wav", "lava.wav", "lightning.wav", "rain.wav", "sizzle.ogg", "skid.wav", "splash.ogg", "splash.wav", "splat.wav",
             "squish.wav", "stomp.wav", "thud.ogg", "thunder.wav", "ticking.wav", "trampoline.wav", "turnkey.ogg", "waterfall.wav", "yeti_roar.wav",
             "savebell2.wav", "savebell_low.wav", "pop.ogg"],
            None, None, true, [("", "data/sounds/")], 0,
            "SuperTux sounds (GPL-3+ per Files: *): a named list of effects with a real-world counterpart (breaking brick, cracking and shattering ice, "
            + "fire, fireworks, rain, thunder, waterfall, splashes, skid, key turning, bells). Left out: music, Tux's speech, jump/coin/power-up jingles."),
        new("warzone2100-data", SourceOrigin.DebianPackage, "usr/share/games/warzone2100",
            ["base/audio/sfx/**"],
            ["base/audio/sfx/interfce/**", "base/audio/sfx/misc/silence*", "base/audio/sfx/misc/help*", "base/audio/sfx/building/ecmtower*",
             "base/audio/sfx/building/powerspk*", "base/audio/sfx/weapons/nxstower*", "base/audio/sfx/weapons/gaussgun*", "base/audio/sfx/explons/nxsexpld*",
             "base/audio/sfx/explons/mpodexpl*"],
            ["base.wz"], true, [("base/", "data/base/")], 0,
            "Warzone 2100 effects from base.wz (GPL-2+ per Files: *): weapons (machine guns, cannons, mortar, rockets, flamethrower, lasers), explosions, "
            + "ricochets, vehicle engines (tracks, hover, VTOL), oil pump, steam, welding, screams. Left out: every spoken message (the mission, "
            + "tutorial, transport pilot and taunt voices), interface beeps, radio clicks and sci-fi tower sounds."),
        new("freedroidrpg-data", SourceOrigin.DebianPackage, "usr/share/freedroidrpg/data/sound/effects",
            ["Blast_Sound_*", "Bullet_Reflected_Sound_*", "CameraTakesPicture*", "Glass_Break*", "bullets/*", "item_sounds/Item_Drop_Sound_*",
             "item_sounds/drop_*", "open_chest_sound*", "swing_then_*", "tux_footstep*"],
            ["bullets/Flash*"],
            None, true, [], 0,
            "FreedroidRPG effects (GPL-2+ per Files: *): explosion, ricochet, camera shutter, glass breaking, weapon shots, dropped items (book, potion, "
            + "sword), chest, sword swings and hits, footsteps. Left out: music, menu and shop sounds, robot voices and numbered voice samples, Tux's "
            + "spoken comments, spell and teleporter effects."),
        new("trigger-rally-data", SourceOrigin.DebianPackage, "usr/share/games/trigger-rally",
            ["data/sounds/*.wav", "data/sounds/codriver/*/*.wav"], None,
            ["data.zip"], true, [("data/", "data/data.zip/")], 0,
            "Trigger Rally car sounds from data.zip (GPL-2+ for data/data.zip, gear.wav CC0): engine, gear change, gravel, crash, wind; "
            + "and the co-driver's spoken pace notes (sounds/codriver: 43 words and phrases such as \"hairpin\" or \"gravel over\" in three voices), "
            + "as general audio (speech), not effects.",
            GeneralPaths: ["data/sounds/codriver/**"]),
        new("endless-sky-data", SourceOrigin.DebianPackage, "usr/share/games/endless-sky/sounds",
            ["explosion *", "final explosion *", "alarm*", "ambient/machinery*", "landing*", "takeoff*", "flamethrower*",
             "meteor*", "rocket*", "nuke*", "laser*", "heavy laser*", "plasma.wav", "blaster*", "afterburner*"],
            ["explosion huge*"], None, true, [("", "sounds/")], 0,
            "Endless Sky sounds (public domain, freesound originals, per Files: sounds/*): explosions, "
            + "alarm, machinery ambience, spaceship landing and take-off, flamethrower, rocket, lasers. Left out: the sci-fi weapons named after "
            + "in-game items (banisher, detainer, javelin …) and the two CC-BY-SA-3.0 recordings by Mike Koenig ('explosion huge', 'heavy rocket hit'), "
            + "whose Files: lines contain a space, so a DEP-5 parser reads them as two patterns and would record them as public domain."),
        new("extremetuxracer-data", SourceOrigin.DebianPackage, "usr/share/games/etr/sounds",
            ["*_slide.wav", "tree_hit.wav"], None, None, true, [("", "data/sounds/")], 0,
            "Extreme Tux Racer sounds (GPL-2+ per Files: *): sliding on grass, ice, leaves, mud, rock and snow, hitting a tree. Pick-up chimes and music are left out."),
        new("frozen-bubble-data", SourceOrigin.DebianPackage, "usr/share/games/frozen-bubble/snd",
            ["applause.ogg", "snore.ogg", "typewriter.ogg"], None, None, true, [], 0,
            "Frozen Bubble (GPL-2 per Files: *): applause, snoring, a typewriter. The bubble and menu sounds and music are left out."),
        new("chromium-bsu-data", SourceOrigin.DebianPackage, "usr/share/games/chromium-bsu/wav",
            ["boom.wav", "explo*.wav"], None, None, true, [("", "data/wav/")], 0,
            "Chromium B.S.U. explosions (Expat per Files: data/wav/*). Music and power-up sounds are left out."),
        new("freeciv-data", SourceOrigin.DebianPackage, "usr/share/games/freeciv/stdsounds",
            ["foot*.ogg", "metbrk.ogg", "woodbrk.ogg", "Splash.ogg", "LrgExpl.ogg", "SmlExpl.ogg", "Mortar.ogg", "MgBar*.ogg", "MgHeavy.ogg",
             "LrgCan.ogg", "MedCan.ogg", "Tread.ogg", "THover.ogg"],
            None, None, true, [("", "data/stdsounds/")], 0,
            "Freeciv standard sound set (GPL-2+ per Files: *): footsteps, metal and wood breaking, splash, explosions, guns and vehicles "
            + "(several shared with Warzone 2100; identical decodes are dropped by the duplicate rule). Music and interface sounds are left out."),
        new("ardentryst", SourceOrigin.DebianPackage, "usr/share/games/ardentryst",
            ["Sounds/**"],
            ["Sounds/AMB_Intro*", "Sounds/VOI_Intro*", "Sounds/menu-*", "Sounds/Msg*", "Sounds/newgame*", "Sounds/fail*", "Sounds/ChimeGliss*",
             "Sounds/Treasure*", "Sounds/orb*", "Sounds/Obelisk*", "Sounds/Maea*", "Sounds/Magicpower*", "Sounds/magicbow*", "Sounds/mdrain*",
             "Sounds/Implosion*", "Sounds/equip*", "Sounds/Burst*", "Sounds/Ice*", "Sounds/stone*", "**/*_JUMP*", "**/barb*"],
            None, true, [], 0,
            "Ardentryst sounds (CC-BY-SA-3.0 per Files: Sounds/*): the two heroes' footsteps on concrete, dirt, grass and snow, their landings and pain "
            + "cries, creature cries, weapon swings and hits, rain, fire, cave wind, drinking, an earthquake. Left out: music, the spoken intro, the "
            + "intro ambience, menu and magic effects, jump sounds."),
        new("warmux-data", SourceOrigin.DebianPackage, "usr/share/games/warmux/sound/default",
            ["weapons/*", "misc/box_falling*", "misc/box_hitting_ground*", "misc/sink*", "misc/step*"],
            ["weapons/disco_grenade_music*", "weapons/lowgravity*", "weapons/suicide*", "weapons/supertux_*", "weapons/teleport_*", "weapons/homerun*",
             "weapons/airhammer_selected*", "weapons/polecat*", "weapons/cluzooka_*", "weapons/syringe*", "weapons/mine_beep*", "weapons/gnu_bounce*",
             "weapons/construct*", "weapons/grapple_cable*"],
            None, true, [], 0,
            "WarMUX weapon and object sounds. Its copyright file is free-form and puts the game and its data under GPL-2 or later. Taken: explosions, "
            + "guns, ricochets, a pneumatic drill, a blowtorch, flames and embers, a falling anvil, a dynamite fuse, a jetpack, bouncing grenades, a "
            + "slap, a baseball bat, a falling crate, splashes and footsteps. Left out: music, the character voices (builder rule: folder voices), menu "
            + "and turn jingles, cartoon weapon effects.",
            new LicenceRecord("GPL-2+", "2001-2011 Anthony Carré, Christophe Gisquet, Florian Köberle and the other WarMUX contributors named in the copyright file")),
        new("cube2-data", SourceOrigin.DebianPackage, "usr/share/games/cube2/packages/sounds",
            [],
            ["**/sel_*", "**/alarm*", "**/itempick*", "**/itemspawn*", "**/outofammo*", "**/weapload*", "**/weapswitch*", "**/quaddamage*", "**/jumppad*",
             "**/teleport*", "**/sfx_interact*", "olpc/FlavioGaete/**", "olpc/AdamKeshen/BeatBox*", "olpc/AdamKeshen/kik*", "aard/tak*", "aard/jump*", "aard/land*", "q009/ren*"],
            None, true, [("", "packages/sounds/")], 0,
            "Cube 2 data sounds (per file in the copyright file: CC-BY-3.0 (Files: *, olpc, yo_frankie), public domain (aard), CC-BY-SA-3.0 (q009), "
            + "CC-BY-SA-4.0 (chainsaw)): a man's pain grunts and death cries (aard: 'created with my own voice'), guns (pistol, rifle, shotgun, minigun, "
            + "grenade and rocket launchers), explosions, a chainsaw, burning, thunder, wind, a footstep on sand, a door slam, a rubber band, musical "
            + "glasses, water dripping and splashing. Left out: item, weapon-switch and teleport sounds, the viola phrase and beat-box loops."),
        // Colobot names its sounds sound000.wav ... by the index of the SoundType enum (src/sound/sound_type.h of the colobot source, whose
        // comments describe each sound); the label rows cite those descriptions, so only the sounds listed here are taken.
        new("colobot-common-sounds", SourceOrigin.DebianPackage, "usr/share/games/colobot/sounds",
            ["sound001.wav", "sound002.wav", "sound003.wav", "sound004.wav", "sound005.wav", "sound006.wav", "sound007.wav", "sound012.wav", "sound013.wav", "sound015.wav", "sound021.wav", "sound023.wav", "sound024.wav", "sound026.wav", "sound027.wav", "sound028.wav", "sound031.wav", "sound044.wav", "sound045.wav", "sound053.wav", "sound055.wav", "sound056.wav", "sound057.wav", "sound058.wav", "sound059.wav", "sound060.wav", "sound063.wav", "sound066.wav", "sound067.wav", "sound069.wav", "sound070.wav", "sound074.wav", "sound076.wav", "sound020.wav", "sound034.wav", "sound035.wav", "sound036.wav", "sound037.wav"],
            None, None, true, [], 0,
            "Colobot sounds (GPL-3+ per Files: *), labelled from the SoundType enum's descriptions in the colobot source (sound NNN = enum value NNN): "
            + "footsteps on grass and rock and under water, splashing and swimming, an astronaut breathing, crying out and dying, jet landing and flying, "
            + "engines, a derrick, a factory, burning, electricity, explosions, thunder, metal bangs, rustling leaves, an eggshell breaking, alien insect "
            + "roars. Left out: interface messages, menu particles, sci-fi building and weapon sounds, music.",
            NumberedNames: true),
        new("tuxfootball", SourceOrigin.DebianPackage, "usr/share/games/tuxfootball/sound",
            ["crowd*.wav", "kick.wav", "bounce.wav", "refwhistle*.wav"], None, None, true, [("", "data/sound/")], 0,
            "Tux Football sounds (GPL-2+ per Files: *): crowd booing, cheering and going ooh, a ball kicked and bouncing, referee whistles. Menu beeps and music are left out."),
        new("freeorion-data", SourceOrigin.DebianPackage, "usr/share/games/freeorion/default/data/sound",
            ["combat/explosion-*", "combat/missile-*", "combat/laser-*"], None, None, true, [("", "default/data/sound/")], 0,
            "FreeOrion sounds (CC-BY-SA-3.0 per Files: *.ogg): explosions, missile launch and hits, laser blasts. Interface clicks, a 6 ms typing click, alerts and music are left out."),
        new("freecol", SourceOrigin.DebianPackage, "usr/share/games/freecol/default/resources/sound",
            ["attack/artillery.ogg", "attack/bombard.ogg", "attack/naval.ogg"], None, None, true, [("", "data/default/resources/sound/")], 0,
            "FreeCol cannon fire (GPL-2+ per Files: *). Anthems, event jingles, native greetings and music are left out."),
        new("enigma-data", SourceOrigin.DebianPackage, "usr/share/games/enigma/soundsets/enigma",
            ["drip.wav", "dropinwater.wav", "explosion*.wav", "quake.wav", "shatter.wav", "st-thud.wav", "st-metal.wav", "st-stone.wav", "ballcollision.wav"],
            None, None, true, [], 0,
            "Enigma sounds. Its copyright file is free-form and puts Enigma under GPL version 2. Taken: dripping, a drop into water, explosions, a quake, "
            + "glass shattering, thuds, stones. Menu, switch, laser and magic sounds are left out.",
            new LicenceRecord("GPL-2", "Siegfried Fennig, Martin Hawlisch, Daniel Heck, Petr Machata, Jeremy Sawicki, Ralf Westram and the Enigma contributors")),
        new("kolf", SourceOrigin.DebianPackage, "usr/share/kolf/sounds",
            ["holed.wav", "puddle.wav", "woohoo.wav"], None, None, true, [], 0,
            "Kolf sounds (GPL-2+ per Files: *): a golf ball dropping into the hole and into water, a cheer. The black-hole and bumper effects and the putt and wall clicks (under 0.15 s) are left out."),
        new("knavalbattle", SourceOrigin.DebianPackage, "usr/share/knavalbattle/sounds",
            [], None, None, true, [], 0,
            "KNavalBattle sounds (GPL-2+ per Files: *): ship guns firing, a shell falling into water, a ship sinking."),
        new("ktuberling-data", SourceOrigin.DebianPackage, "usr/share/ktuberling/sounds",
            ["*/*.ogg", "*/*.wav"], None, None, false, [], 150,
            "KTuberling's spoken object names (GPL-2+ per Files: *): single words said by volunteers in 25 languages (English file names, the word said "
            + "in the folder's language), as general-audio speech; English clips are captioned with the word, the others with their language. "
            + "Capped at 150 of its 1 892 recordings (hash subset): speech in many languages is one sound among hundreds, and single spoken words must not dominate.",
            AllowBackgrounds: false),
        new("scratch", SourceOrigin.DebianPackage, "usr/share/scratch/Media/Sounds",
            ["Animal/*", "Effects/*", "Human/*", "Percussion/HandClap.wav", "Percussion/Gong.wav"],
            ["Effects/Plunge*", "Effects/Ripples*"],
            None, true, [("", "Media/Sounds/")], 0,
            "Scratch 1.4's sound library (CC-BY-SA-3.0 per Files: Help/* Media/* Projects): animals (bird, cat, kitten, crickets, dogs, duck, goose, "
            + "horse neighing and galloping, owl, rooster, sea lion, wolf), everyday effects (a bell tolling, bubbles, a car and a motorcycle passing, a door "
            + "closing and creaking, a sewing machine, typing, dripping and running water, a rattle, a balloon rubbed) and human sounds (a baby crying, "
            + "coughs, sneezes, laughs and screams of a man and a woman, a finger snap, footsteps, slurping, party chatter), a hand clap and a gong. "
            + "Left out: the Electronic, Instruments, Vocals (singing) and Music Loops folders and the other percussion (music), and 'Plunge' and "
            + "'Ripples' (names do not say what they are). Its copyright file is DEP-5 in substance but names the old draft "
            + "(Format: http://dep.debian.net/deps/dep5/), so the builder reads it as free-form: the fallback records its 'Files: Help/* Media/* "
            + "Projects' paragraph.",
            new LicenceRecord("CC-BY-SA-3.0", "Copyright (c) 2011 Massachusetts Institute of Technology")),
        new("wordwarvi-sound", SourceOrigin.DebianPackage, "usr/share/wordwarvi/sounds",
            ["toyota_celica_cardoor_sample.ogg", "us_quarter.ogg", "metalbang*.ogg", "stonebang*.ogg", "clang.ogg", "bodyslam.ogg", "fallingscreamhi.ogg",
             "ooooof.ogg", "woohoo.ogg", "big_explosion.ogg", "bombexplosion.ogg", "missile_explosion.ogg", "flak_gun_sound.ogg", "missile_launch_2.ogg",
             "rocket_exhaust_1.ogg", "jetwash.ogg", "volcano_eruption.ogg", "zzzt.ogg"],
            None, None, true, [("", "sounds/")], 0,
            "Word War vi sounds (CC-BY-SA-3.0 per Files: sounds/*): a car door, a coin, metal and stone bangs, a body slam, a falling scream, an 'oof', "
            + "a cheer, explosions, a flak gun, a missile launch, rocket exhaust, jet wash, a volcano, an electric zap. Left out: music, the spoken lines "
            + "(help, it burns, ho ho ho, nice bank shot ...), synthetic effects and alarms."),
        new("netpanzer-data", SourceOrigin.DebianPackage, "usr/share/games/netpanzer/sound",
            ["expl_*.wav", "battle_*.wav", "hit_*.wav", "*-fire.wav", "hevidle.wav", "hevmov.wav", "hevstart.wav", "tankidle.wav", "scream_1.wav", "scream_2.wav"],
            None, None, true, [], 0,
            "NetPanzer sounds (GPL-2+ per Files: *): explosions, machine-gun and artillery fire, shells hitting armour, tank cannons, tank engines, a scream. "
            + "Left out: the spoken unit acknowledgements (yes sir, moving out, target confirmed ...), a spoken scream ('oh god'), menu and power-up sounds, "
            + "the unit-selection sounds and unit sounds whose names do not say what they are."),
        new("gnome-shell-pomodoro-data", SourceOrigin.DebianPackage, "usr/share/gnome-pomodoro/sounds",
            [], None, None, true, [], 0,
            "GNOME Pomodoro's sounds (GPL-3+ per Files: *): bells, birds, a ticking clock and a ticking timer."),
        new("kpat", SourceOrigin.DebianPackage, "usr/share/kpat/sounds",
            [], None, None, true, [], 0,
            "KPatience (GPL-2+ per Files: *): a playing card put down and picked up."),
        new("knights", SourceOrigin.DebianPackage, "usr/share/knights/sounds",
            [], None, None, true, [], 0,
            "Knights. Its copyright file is free-form and puts Knights under the GNU GPL version 2 or 3 or any later version accepted by KDE e.V. "
            + "Taken: chess pieces moved and captured.",
            new LicenceRecord("GPL-2+", "2009-2011 Miha Čančula (GPL version 2 or version 3 or any later version accepted by the membership of KDE e.V.)")),
        new("gnubg-data", SourceOrigin.DebianPackage, "usr/share/gnubg/sounds",
            ["roll.wav"], None, None, true, [], 0,
            "GNU Backgammon (GPL-3+ per Files: *): dice rolling. The checker click (0.1 s) and the event sounds (fanfare, resign, double ...) are left out."),
        new("ksirk", SourceOrigin.DebianPackage, "usr/share/ksirk/skins/default/Sounds",
            ["cannon.wav"], None, None, true, [], 0,
            "KsirK (GPL-2+ per Files: *): a cannon shot. 'crash' and 'roll' are left out (the names do not say what they are)."),
        new("kgoldrunner", SourceOrigin.DebianPackage, "usr/share/kgoldrunner/themes/default",
            ["dig.ogg"], None, None, true, [], 0,
            "KGoldrunner (GPL-2+ per Files: *): digging. Jingles, climbing, falling, gold pick-up and the 0.04 s step are left out."),
        new("lomiri-sounds", SourceOrigin.DebianPackage, "usr/share/sounds/lomiri/camera",
            [], None, None, true, [("", "share/sounds/lomiri/camera/")], 0,
            "Lomiri's camera sounds (per file in the copyright file: camera_click.ogg CC0-1.0, camera_focus.ogg CC-BY-3.0, both freesound recordings): "
            + "a shutter click and a lens focusing. The ringtones and notification tones (music) are left out."),
        new("kanagram", SourceOrigin.DebianPackage, "usr/share/kanagram/ui/sounds",
            ["chalk.ogg"], None, None, true, [], 0,
            "Kanagram (GPL-2+ per Files: *): chalk on a blackboard (chalk.wav is the same sound, left out with the right/wrong jingles)."),
    ];

    /// <summary>Names of the packages built when none are named.</summary>
    public static IReadOnlyList<string> DefaultPackageNames { get; } = Packages.Select(p => p.Name).ToArray();

    /// <summary>The catalogue entry for a package.</summary>
    /// <exception cref="FlamException">The package is not in the catalogue.</exception>
    public static CorpusSource Get(string name) =>
        Packages.FirstOrDefault(p => p.Name == name)
        ?? throw new FlamException($"Unknown corpus package '{name}'. Known packages: {string.Join(", ", DefaultPackageNames)}.");
}
