#!/usr/bin/env python3
"""Composes common-passwords.txt (embedded in Ret.Server) without downloading anything.

The list is built from (1) passwords that top every published breach-frequency list, written down here from
public knowledge, and (2) the patterns those lists are made of: a common word or name with a capital letter,
digits, a year or '!' appended, simple leet substitutions, keyboard walks, digit runs and repeated characters.
Only entries of at least 8 characters are kept, since shorter passwords are refused by the length rule anyway.
Entries are lower-case; the server compares case-insensitively. Re-run to regenerate:

    python3 compose.py > common-passwords.txt
"""

WELL_KNOWN = """
123456 password 123456789 12345678 12345 qwerty 1234567 111111 1234567890 123123 abc123 1234 password1
iloveyou 1q2w3e4r 000000 qwerty123 zaq12wsx dragon sunshine princess letmein 654321 monkey 27653 1qaz2wsx
123321 qwertyuiop superman asdfghjkl trustno1 football baseball welcome shadow master michael jennifer
hunter2 passw0rd p@ssw0rd p@ssword password123 password12 password1234 passwort motdepasse contraseña
123qwe 1q2w3e 1q2w3e4r5t 1q2w3e4r5t6y qazwsx qazwsxedc qwe123 qwer1234 asdf1234 zxcvbnm zxcvbnm123
987654321 9876543210 11111111 00000000 12341234 123412341234 112233 11223344 121212 131313 159753 159357
147258369 147258 789456123 741852963 963852741 1111111111 0987654321 22222222 88888888 99999999 66666666
55555555 33333333 44444444 77777777 12344321 123654 123654789 1234qwer qwerty12 qwerty1 qwertyu qwerty1234
iloveyou1 iloveyou2 iloveu iloveyou! loveyou lovely loveme lovelove baby123 babygirl babygirl1 princess1
sunshine1 football1 baseball1 welcome1 welcome123 welcome! letmein1 letmein123 monkey1 monkey123 dragon1
master1 shadow1 superman1 batman batman123 spiderman starwars starwars1 pokemon pokemon1 naruto minecraft
minecraft1 fortnite roblox letmein! trustno1! whatever whatever1 freedom freedom1 changeme changeme1
changeme123 default default1 secret secret1 secret123 administrator admin admin123 admin1234 admin12345
administrator1 root root123 toor guest guest123 user user123 test test123 test1234 testing testing123
demo demo123 login login123 access access123 temp temp123 temppass temp1234 passpass pass1234 pass123
abcd1234 abcdefg abcdefgh abcdefghi abc12345 abc123456 a1b2c3d4 a1b2c3 aa123456 aaaaaa aaaaaaaa
computer computer1 internet internet1 samsung samsung1 iphone apple123 google google123 facebook
linkedin linkedin1 twitter yahoo123 hotmail microsoft windows windows10 linux ubuntu oracle mysql
database server network security security1 sunflower butterfly butterfly1 flower flowers rainbow
chocolate chocolate1 cookie cookies cheese pepper ginger banana orange purple yellow silver golden
diamond diamonds crystal angel angels angel123 blessed blessing jesus jesus1 jesuschrist christ
heaven god123 godisgood faith hope trinity matrix neo morpheus hello hello123 hello1234 helloworld
hellokitty goodluck goodbye goodgirl sweetheart sweetie darling honey honey123 sexy sexy123 hottie
killer killer1 hacker hacking anonymous nothing something everything forever forever1 friends
friend family family1 mother mother1 father father1 mommy daddy sister brother brother1 soccer
soccer1 hockey hockey1 basketball tennis golfer golf swimming cricket rugby volleyball lakers
yankees redsox cowboys steelers packers eagles patriots chelsea arsenal liverpool manchester
manutd barcelona realmadrid juventus ferrari porsche mercedes mustang corvette harley yamaha
honda toyota nissan bmw audi jaguar tigers tiger lion lions eagle falcon hawk wolf wolves bear
bears panther dolphin dolphins shark horse horses puppy kitten kitty doggy doggie snoopy garfield
mickey mickeymouse minnie donald pluto tweety bugsbunny scooby simpsons homer bart pikachu mario
zelda sonic yoda chewbacca vader skywalker gandalf frodo hobbit harrypotter hermione dumbledore
voldemort batman1 joker robin superman! wonderwoman ironman captain hulk thor avengers marvel
qwerty! qwerty123! 1qaz!qaz !qaz2wsx 1qazxsw2 2wsx3edc zaq1zaq1 zaq1xsw2 xsw2zaq1 q1w2e3r4 q1w2e3r4t5
1z2x3c4v asdfasdf asdfqwer qwerasdf zxcvasdf poiuytrewq lkjhgfdsa mnbvcxz qweasdzxc qweasd
azerty azerty123 azertyuiop qwertz qwertz123 1234abcd 4321 54321 7654321 87654321 010203 01020304
password! password1! password123! password2 password3 password01 password11 password99 password2020
password2021 password2022 password2023 password2024 password2025 passw0rd1 p4ssw0rd p4ssword pa55word
pa55w0rd passwd passwd1 mypassword mypassword1 newpassword newpass newpass1 yourpassword nopassword
ilovemymom ilovemydad iloveyoubaby ilovegod ilovejesus imissyou fuckyou fuckyou1 fuckoff asshole
bitch bitch1 whore biteme suckit blowjob pussy pussy1 dick penis boobs sex sexsex sexygirl
michelle jessica ashley amanda nicole stephanie melissa elizabeth samantha sarah hannah emily
jordan jordan23 jordan1 michael1 daniel daniel1 david david1 james james1 john john123 robert
robert1 william william1 richard joseph thomas thomas1 charles christopher christopher1 matthew
matthew1 anthony andrew andrew1 joshua joshua1 justin justin1 brandon brandon1 jason jason1
ryan kevin kevin1 steven steven1 brian eric jonathan nicholas nicholas1 tyler austin austin1
taylor taylor1 charlie charlie1 alexander alexander1 benjamin samuel george harry oliver jack
jackson lucas ethan logan mason aiden liam noah emma olivia sophia isabella ava mia abigail
madison chloe grace lily natalie victoria alexis lauren rachel rebecca jasmine maria monica
patricia linda barbara susan margaret dorothy lisa nancy karen betty helen sandra donna carol
ruth sharon michelle1 laura kimberly deborah jessica1 shirley cynthia angela melissa1 brenda amy
anna virginia kathleen pamela martha debra amanda1 stephanie1 carolyn christine marie janet
catherine frances ann joyce diane alice julie heather teresa doris gloria evelyn jean cheryl
mildred katherine joan ashley1 judith rose janice kelly nicole1 judy christina kathy theresa
beverly denise tammy irene jane lori rachel1 marilyn andrea kathryn louise sara anne jacqueline
wanda bonnie julia ruby lois tina phyllis norma paula diana annie lillian emily1 robin peggy
crystal gladys rita dawn connie florence tracy edna tiffany carmen rosa cindy grace1 wendy victoria1
"""

WORDS = """
password pass passwd letmein welcome login admin administrator master secret qwerty dragon monkey
shadow sunshine princess football baseball soccer hockey basketball iloveyou love lover lovely
superman batman spiderman starwars pokemon minecraft fortnite summer winter spring autumn
january february march april june july august september october november december
monday tuesday friday sunday weekend holiday vacation christmas easter halloween birthday
flower butterfly rainbow chocolate cookie banana orange cherry apple strawberry pepper ginger
tiger lion eagle falcon dolphin shark horse puppy kitten doggy bunny turtle monkeys dragons
hello goodbye freedom forever whatever nothing family friends mother father sister brother
michael jennifer jessica ashley amanda daniel david james robert william charlie jordan thomas
andrew joshua matthew anthony nicole michelle melissa stephanie elizabeth samantha sarah hannah
computer internet samsung google iphone android windows linux ubuntu server network database
security changeme default guest student teacher school college university office company
london paris berlin madrid rome moscow tokyo newyork chicago boston dallas texas california
florida america canada england germany france italy spain russia china india brazil mexico
australia ireland scotland london1 chelsea arsenal liverpool barcelona realmadrid juventus
yankees lakers cowboys steelers packers eagles patriots ferrari porsche mercedes mustang
corvette harley yamaha honda toyota nissan jaguar diamond crystal silver golden purple yellow
orange1 angel jesus heaven blessed matrix killer hacker ninja pirate zombie wizard warrior
knight legend hunter sniper gamer player soldier ranger rocket thunder lightning storm fire
water earth ocean river mountain forest garden sunset sunrise moonlight starlight midnight
music guitar piano rockstar metallica nirvana beatles eminem madonna beyonce rihanna shakira
coffee pizza burger chicken cheese bacon whiskey vodka beer tequila cocktail
qwertyuiop asdfghjkl zxcvbnm abcdef abcdefg abcdefgh trustno iloveu babygirl sweetheart
cowboy sunshine superstar champion winner victory success money dollar business manager
"""

SUFFIXES = ["", "1", "2", "3", "7", "9", "12", "13", "21", "22", "23", "69", "77", "88", "99", "00", "01", "007",
            "123", "1234", "12345", "123456", "321", "111", "!", "1!", "12!", "123!", "!!", "@", "#", "$",
            "@123", "#1", "_1", "_123", ".1", "01!", "2000", "1990", "1991", "1992", "1993", "1994", "1995",
            "1996", "1997", "1998", "1999", "2001", "2002", "2003", "2004", "2005", "2010", "2015", "2016",
            "2017", "2018", "2019", "2020", "2021", "2022", "2023", "2024", "2025", "2026"]

LEET = str.maketrans({"a": "@", "o": "0", "e": "3", "i": "1", "s": "$"})

def main():
    out = set()
    for w in WELL_KNOWN.split():
        out.add(w.lower())
    words = {w.lower() for w in WORDS.split()}
    for w in words:
        for s in SUFFIXES:
            out.add(w + s)
        out.add(w.translate(LEET))
        out.add(w.translate(LEET) + "1")
        out.add(w.translate(LEET) + "123")
        out.add(w + w)
        out.add("my" + w)
        out.add("i" + "love" + w)
    # digit runs, repeats, keyboard walks
    digits = "01234567890"
    for start in range(10):
        for length in range(8, 13):
            up = "".join(str((start + k) % 10) for k in range(length))
            down = "".join(str((start - k) % 10) for k in range(length))
            out.update((up, down))
    for c in "abcdefghijklmnopqrstuvwxyz0123456789!":
        for length in range(8, 17):
            out.add(c * length)
    for pair in ["12", "ab", "qw", "as", "zx", "01", "69", "88", "00", "11", "13", "21", "31"]:
        for times in range(4, 9):
            out.add(pair * times)
    for triple in ["123", "abc", "qwe", "asd", "zxc", "147", "159", "258", "369", "789", "456"]:
        for times in range(3, 6):
            out.add(triple * times)
    rows = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb", "qazwsxedcrfvtgb",
            "!qaz@wsx#edc", "1q2w3e4r5t6y7u8i9o0p", "zaq1xsw2cde3vfr4", "qweasdzxc", "azertyuiop", "qwertzuiop"]
    for row in rows:
        for length in range(8, len(row) + 1):
            out.add(row[:length])
            out.add(row[:length][::-1])
    # dates: ddmmyyyy and mmddyyyy for the first of each month, years 1950–2025
    for year in range(1950, 2027):
        for month in range(1, 13):
            out.add(f"01{month:02d}{year}")
            out.add(f"{month:02d}01{year}")
        out.add(f"{year}{year}")
    for entry in sorted(e for e in out if len(e) >= 8 and " " not in e):
        print(entry)

if __name__ == "__main__":
    main()
